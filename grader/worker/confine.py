"""Confining the worker on Linux, beyond resource limits; and hiding the grader from it.

- `drop_capabilities`: a worker started by root gives up every capability, so
  it is an ordinary process of its user (it cannot read a non-dumpable
  process's /proc files, trace it, or bypass file permissions);
- `restrict` (Landlock): the worker may write only inside its own folder, and
  signal only itself;
- `hide_this_process`: the grader makes itself non-dumpable, so its
  environment (NEUROGRADE_SECRET) is out of the worker's reach.

Linux (5.13+) lets an unprivileged process restrict itself for good. The
worker handles every write-like file access and allows it only beneath its
temporary folder and /dev (devices such as /dev/null and a GPU's), so the
learner's code can read the filesystem but modify nothing outside its sandbox
(not the reference, not the grader, not other submissions). With ABI 6+ it
also may not signal processes outside its domain, so it cannot kill the grader.
Where Landlock is missing the worker runs without it and says so.
"""

from __future__ import annotations

import ctypes
import os
import struct

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_VERSION = 1
_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_DUMPABLE = 4

WRITE_FILE = 1 << 1
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_ALL = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2  # ABI 6


def _syscall(libc: ctypes.CDLL, number: int, *args: object) -> int:
    result = libc.syscall(number, *args)
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result


_CAPSET = {"x86_64": 126, "aarch64": 91}
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_PR_CAPBSET_DROP = 24


def drop_capabilities() -> bool:
    """Give up every capability, now and across exec; True if this process had any to drop."""
    if os.geteuid() != 0:
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        number = _CAPSET[os.uname().machine]
    except (OSError, AttributeError, KeyError):
        return False
    for capability in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = ctypes.create_string_buffer(struct.pack("<Ii", _LINUX_CAPABILITY_VERSION_3, 0), 8)
    data = ctypes.create_string_buffer(bytes(24), 24)  # effective, permitted, inheritable: none
    return libc.syscall(number, header, data) == 0


def hide_this_process() -> bool:
    """Make this process non-dumpable: other processes of the same user (a worker)
    can then neither read its /proc files, such as the environment holding
    NEUROGRADE_SECRET, nor attach to it. True if it took effect."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def restrict(writable: list[str]) -> str:
    """Apply the rules to this process; a short description of what holds."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION))
    except (OSError, AttributeError):
        return "no landlock (not Linux)"
    if abi < 1:
        return "no landlock (the kernel does not offer it)"
    handled = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_ALL
    handled |= REFER if abi >= 2 else 0
    handled |= TRUNCATE if abi >= 3 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("<QQQ", handled, 0, scoped) if abi >= 6 else struct.pack("<Q", handled)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    try:
        ruleset = _syscall(
            libc, _CREATE_RULESET, buffer, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0)
        )
        for path in writable:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = ctypes.create_string_buffer(struct.pack("<Qi", handled, fd), 12)
                _syscall(
                    libc,
                    _ADD_RULE,
                    ctypes.c_int(ruleset),
                    ctypes.c_int(_PATH_BENEATH),
                    rule,
                    ctypes.c_uint32(0),
                )
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        _syscall(libc, _RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    except OSError as error:
        return f"no landlock ({error.strerror})"
    os.close(ruleset)
    return f"landlock ABI {abi}: writes only beneath {', '.join(writable)}" + (
        "; signals only within the worker" if scoped else ""
    )
