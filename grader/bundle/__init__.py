"""Gradescope's autograder: the files `neurograde assign bundle` puts in the zip.

`setup.sh` (builds the image), `run_autograder` (grades one submission through
`python -m grader.bundle.autograder`) and `README.md` (for the instructor) are
templates beside this file; `grader.assign.bundle` writes them with the
project's source and `CONFIG` into the zip.
"""

from pathlib import Path

TEMPLATES = Path(__file__).parent
CONFIG = "neurograde.json"
COURSE = "course"  # the folder of the zip that holds the course, if any
SCRIPTS = ("setup.sh", "run_autograder")
