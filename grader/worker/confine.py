"""Confining the worker on Linux, beyond resource limits; and hiding the grader from it.

- `drop_capabilities`: a worker started by root gives up every capability, so
  it is an ordinary process of its user (it cannot read a non-dumpable
  process's /proc files, trace it, or bypass file permissions);
- `restrict` (Landlock): the worker may read only its own folder (where its
  copy of the learner's file is), the Python installation with the libraries
  it imports, and the system's libraries and settings (`readable_paths`); it
  may write only inside its own folder, and signal only itself;
- `isolate_network`: the worker moves into a network namespace of its own,
  where only a loopback device exists (down), so the learner's code reaches
  no network, not even the host's loopback (a private exercise's hidden
  inputs cannot leave); as root directly, otherwise through an unprivileged
  user namespace;
- `hide_this_process`: the grader makes itself non-dumpable, so its
  environment (NEUROGRADE_SECRET) is out of the worker's reach.

Linux (5.13+) lets an unprivileged process restrict itself for good. The
worker handles every file access but ioctl and allows writes only beneath
its temporary folder and /dev (devices such as /dev/null and a GPU's), reads
only there and beneath `readable_paths`, so the learner's code can neither
modify nor read anything outside its sandbox: not other submissions, not the
grader's reports, not the learner's home, not the reference. With ABI 6+ it
also may not signal processes outside its domain, so it cannot kill the grader.
Where Landlock is missing the worker runs without it and says so.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import struct
import sys
from collections.abc import Iterable, Sequence

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_VERSION = 1
_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_DUMPABLE = 4

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
READ = EXECUTE | READ_FILE | READ_DIR
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
    """Give up every capability, now and across exec; True if this process had any to drop
    (as root, or in the user namespace `isolate_network` made)."""
    if os.geteuid() != 0 and not _has_capabilities():
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


def _has_capabilities() -> bool:
    try:
        with open("/proc/self/status", "rb") as status:
            effective = next(line for line in status if line.startswith(b"CapEff:"))
    except (OSError, StopIteration):
        return False
    return int(effective.split()[1], 16) != 0


_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def isolate_network() -> str:
    """Move this process into a new network namespace (no device but a loopback, down).

    As root (with CAP_SYS_ADMIN) directly; otherwise in a new user namespace
    that maps this process's own user and group to themselves, so that files
    keep their owners. Must run before `drop_capabilities` and `restrict`, in
    a single-threaded process. Returns "" when it took effect, else why not.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) == 0:
            return ""
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            return os.strerror(ctypes.get_errno())
    except (OSError, AttributeError):
        return "not Linux"
    try:
        for name, text in (
            ("uid_map", f"{uid} {uid} 1"),
            ("setgroups", "deny"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            with open(f"/proc/self/{name}", "wb") as file:
                file.write(text.encode())
    except OSError:
        pass  # the namespace holds all the same; unmapped ids only read as "nobody"
    return ""


def hide_this_process(hide: bool = True) -> bool:
    """Make this process non-dumpable: other processes of the same user (a worker)
    can then neither read its /proc files, such as the environment holding
    NEUROGRADE_SECRET, nor attach to it. True if it took effect. (`hide=False`:
    dumpable again, as a fork of a hidden process that becomes a worker is.)"""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_DUMPABLE, 0 if hide else 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


SYSTEM_READABLE = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/sys")
"""Shared libraries, the dynamic loader's and libraries' settings, and the kernel's views
(numpy and torch read /proc and /sys for CPU and memory facts; nothing of the grader's
is readable there: it is non-dumpable, see `hide_this_process`)."""

HIDDEN_PACKAGES = ("reference", "solutions")


def readable_paths(project_root: str, libraries: Sequence[str]) -> list[tuple[str, int]]:
    """(path, access) for what the worker may read besides its own folder.

    The Python installation (the prefixes, which hold the libraries: numpy,
    torch, sklearn and theirs), where each of `libraries` lives, the grader's
    own package (its scenarios run in the worker), the system's libraries, and
    library folders named by LD_LIBRARY_PATH and CUDA_HOME. Not the project's
    folder (it may hold a workspace), and never the reference or solutions
    packages, wherever they are installed: around those only the names may
    be listed.
    """
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(SYSTEM_READABLE)
    roots.update(os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep))
    roots.add(os.environ.get("CUDA_HOME", ""))
    roots.add(os.path.join(project_root, "grader"))
    roots.update(_location(name) for name in libraries)
    hidden = [_location(name) for name in HIDDEN_PACKAGES]
    hidden = [os.path.realpath(path) for path in hidden if path]
    found: list[tuple[str, int]] = []
    for root in sorted(r for r in roots if r and os.path.isabs(r)):
        found.extend(_beneath_except(os.path.realpath(root), hidden))
    return found


def _location(module: str) -> str:
    """The folder of an installed top-level package (or the file of a module); "" if none."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return ""
    if spec is None:
        return ""
    if spec.submodule_search_locations:
        return next(iter(spec.submodule_search_locations), "")
    return spec.origin if spec.origin and os.path.isabs(spec.origin) else ""


def _beneath_except(root: str, hidden: list[str]) -> Iterable[tuple[str, int]]:
    """Read rules covering `root` but none of `hidden`."""
    inside = [h for h in hidden if h == root or h.startswith(root.rstrip("/") + "/")]
    if not inside:
        yield root, READ
    elif root not in inside and os.path.isdir(root):
        yield root, READ_DIR  # the names only
        for entry in os.scandir(root):
            yield from _beneath_except(entry.path, inside)


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers: 0 or an error number where it offers
    none, -1 where there is no such system call to ask (not Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(
            libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION))
        )
    except (OSError, AttributeError):
        return -1


def restrict(writable: list[str], readable: Sequence[tuple[str, int]] | None) -> tuple[str, bool]:
    """Apply the rules to this process; a short description of what holds, and whether
    reads are confined too: to `writable` and `readable` ((path, access) pairs), or not
    at all where `readable` is None (for measuring what confining them costs)."""
    abi = landlock_abi()
    if abi < 0:
        return "no landlock (not Linux)", False
    if abi < 1:
        return "no landlock (the kernel does not offer it)", False
    libc = ctypes.CDLL(None, use_errno=True)
    handled = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_ALL | (0 if readable is None else READ)
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
            _allow(libc, ruleset, path, handled, required=True)
        for path, access in readable or ():
            _allow(libc, ruleset, path, access, required=False)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        _syscall(libc, _RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    except OSError as error:
        return f"no landlock ({error.strerror})", False
    os.close(ruleset)
    confined = readable is not None
    reads = "reads only its own folder, Python and the system's libraries; " if confined else ""
    description = f"landlock ABI {abi}: {reads}writes only beneath {', '.join(writable)}"
    return description + ("; signals only within the worker" if scoped else ""), confined


_FILE_ACCESS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, access: int, required: bool) -> None:
    """Allow `access` beneath `path` (a file: only the rights a file has)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        if required:
            raise
        return
    try:
        if not os.path.isdir(f"/proc/self/fd/{fd}"):
            access &= _FILE_ACCESS
        rule = ctypes.create_string_buffer(struct.pack("<Qi", access, fd), 12)
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
