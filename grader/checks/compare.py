"""transition: moved to grader.engine.compare (this alias goes with the last port)."""

import sys

from grader.engine import compare

sys.modules[__name__] = compare
