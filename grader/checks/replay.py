"""transition: moved to grader.engine.replay (this alias goes with the last port)."""

import sys

from grader.engine import replay

sys.modules[__name__] = replay
