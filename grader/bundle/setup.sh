#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# Target: Gradescope's default base image, Ubuntu 22.04, whose python3 is Python 3.10.
#
# Offline (to test this bundle on your own machine): set NEUROGRADE_DEPS_FROM to a
# site-packages folder that already holds neurograde's dependencies (torch, numpy, ...);
# then nothing is downloaded and the venv reads them from there.
set -euo pipefail
ROOT="${NEUROGRADE_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source/neurograde"
PYTHON="${NEUROGRADE_PYTHON:-python3}"
DEPS_FROM="${NEUROGRADE_DEPS_FROM:-}"

if [ -z "$DEPS_FROM" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-venv
fi
"$PYTHON" -c 'import sys; sys.exit("neurograde needs Python >= 3.10, not " + sys.version if sys.version_info < (3, 10) else 0)'
rm -rf "$ROOT/venv"
VENV_PYTHON="$ROOT/venv/bin/python"

if [ -z "$DEPS_FROM" ]; then
    "$PYTHON" -m venv "$ROOT/venv"
    "$VENV_PYTHON" -m pip install --no-cache-dir --upgrade pip
    # PyTorch's CPU-only build: PyPI's default Linux wheel bundles CUDA (about 5 GB),
    # and Gradescope's machines have no GPU.
    "$VENV_PYTHON" -m pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu @TORCH@
    "$VENV_PYTHON" -m pip install --no-cache-dir "$SOURCE"
    "$VENV_PYTHON" -c 'import sys, torch; sys.exit(torch.version.cuda and "a CUDA build of torch came in")'
else
    # An empty venv (its own pip and setuptools would shadow those of DEPS_FROM).
    "$PYTHON" -m venv --without-pip "$ROOT/venv"
    "$VENV_PYTHON" - "$DEPS_FROM" <<'PY'
import os, sys, sysconfig
with open(os.path.join(sysconfig.get_paths()["purelib"], "neurograde-deps.pth"), "w") as pth:
    pth.write("\n".join(sys.argv[1].split(os.pathsep)) + "\n")
PY
    "$VENV_PYTHON" -m pip install --quiet --no-index --no-deps --no-build-isolation "$SOURCE"
fi
"$ROOT/venv/bin/neurograde" --version
