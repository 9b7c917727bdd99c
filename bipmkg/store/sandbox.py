"""Confine a process that evaluates user text: no network at all, files readable only where named.

The checks in `bipmkg.query.safety` refuse SERVICE, LOAD and foreign FROM before evaluation, but a
check is a reading of the text, and a parser may read it otherwise (a red-team run hid SERVICE
behind a `\\u` escape the check did not decode). The processes that evaluate queries and curators'
updates are therefore confined by the kernel, so that whatever an engine makes of a text it
cannot reach the network or read a file outside the store:

- a seccomp filter makes `socket()` fail (EACCES) for every family but AF_UNIX, so no TCP, UDP
  (DNS included), raw, packet or netlink socket can exist; `io_uring_setup` fails too (its
  socket operations would pass beside the filter), and on x86-64 the x32 system-call numbers;
- Landlock (Linux 5.13 and later) allows reading only beneath the paths given (the store, the
  interpreter and its libraries) and writing nowhere but `/dev/null`.

Both are applied by the process to itself, before it starts a thread or reads a request, and
are inherited by every thread and child it starts; neither can be lifted afterwards. Both work
without privileges (no_new_privs is set first), in containers too.

A remote store's server (`oxigraph serve`) evaluates the queries itself; `bipmkg confine-server
-- COMMAND` starts it under a second filter profile: it may accept TCP connections but never
open one (no connect(), no UDP, no TCP Fast Open), so SERVICE there reaches no host either.

Hand-written rather than through libseccomp's bindings: each filter is a dozen instructions,
and pyseccomp's last release (2021) needs the C library on the host.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bipmkg.errors import SandboxUnavailable


@dataclass(frozen=True)
class Confinement:
    """What was applied beside the seccomp network filter, which `confine` always installs (or
    raises): Landlock's ABI version (0: the kernel has none, files are not confined)."""

    landlock_abi: int

    def describe(self) -> str:
        files = f"Landlock ABI {self.landlock_abi}" if self.landlock_abi else "no file confinement"
        return f"no network (seccomp), {files}"


_PR_SET_NO_NEW_PRIVS = 38


_PR_SET_SECCOMP = 22


_SECCOMP_MODE_FILTER = 2


_RET_ALLOW = 0x7FFF0000


_RET_KILL_PROCESS = 0x80000000


_RET_DENY = 0x00050000 | errno.EACCES  # SECCOMP_RET_ERRNO


_LD_W_ABS, _ALU_AND_K, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x54, 0x15, 0x35, 0x45, 0x06


_AF_UNIX, _AF_INET, _AF_INET6 = 1, 2, 10


_SOCK_STREAM, _SOCK_TYPE_MASK = 1, 0xF


_MSG_FASTOPEN = 0x20000000


_X32_BIT = 0x40000000


@dataclass(frozen=True)
class _Arch:
    audit: int  # AUDIT_ARCH_* as seccomp_data reports it
    x32: bool  # whether the x32 ABI's numbers (bit 30) must be refused
    numbers: dict[str, int]  # the system calls the filters name


_ARCHES = {
    "x86_64": _Arch(
        0xC000003E,
        True,
        {
            "socket": 41,
            "connect": 42,
            "sendto": 44,
            "sendmsg": 46,
            "sendmmsg": 307,
            "io_uring_setup": 425,
        },
    ),
    "aarch64": _Arch(
        0xC00000B7,
        False,
        {
            "socket": 198,
            "connect": 203,
            "sendto": 206,
            "sendmsg": 211,
            "sendmmsg": 269,
            "io_uring_setup": 425,
        },
    ),
}


#: An instruction (code, jump-if-true, jump-if-false, k), jumps by label or offset; or a label.
_Instruction = tuple[int, "int | str", "int | str", int]


def _argument(n: int) -> int:
    """Offset in seccomp_data of the low half of argument n (little-endian)."""
    return 16 + 8 * n


def _network_filter(arch: _Arch, *, server: bool) -> bytes:
    """The BPF program, as struct sock_filter {u16 code; u8 jt; u8 jf; u32 k} instructions.

    Worker profile: socket() only for AF_UNIX. Server profile (a SPARQL server that must accept
    connections but never open one): socket() for AF_UNIX and TCP only, no connect(), no TCP
    Fast Open (sendto/sendmsg with MSG_FASTOPEN connects too), no sendmmsg. Both: no io_uring
    (its operations pass beside the filter), no x32 numbers, another ABI kills the process.
    seccomp_data holds nr at offset 0, arch at 4, the arguments from 16.
    """
    n = arch.numbers
    program: list[_Instruction | str] = [
        (_LD_W_ABS, 0, 0, 4),
        (_JEQ_K, 1, 0, arch.audit),
        (_RET_K, 0, 0, _RET_KILL_PROCESS),
        (_LD_W_ABS, 0, 0, 0),
    ]
    if arch.x32:
        program.append((_JGE_K, "deny", 0, _X32_BIT))
    program += [(_JEQ_K, "deny", 0, n["io_uring_setup"]), (_JEQ_K, "socket", 0, n["socket"])]
    if server:
        program += [
            (_JEQ_K, "deny", 0, n["connect"]),
            (_JEQ_K, "deny", 0, n["sendmmsg"]),
            (_JEQ_K, "flags3", 0, n["sendto"]),
            (_JEQ_K, "flags2", 0, n["sendmsg"]),
        ]
    program += [(_RET_K, 0, 0, _RET_ALLOW), "socket", (_LD_W_ABS, 0, 0, _argument(0))]
    if server:
        program += [
            (_JEQ_K, "allow", 0, _AF_UNIX),
            (_JEQ_K, "stream", 0, _AF_INET),
            (_JEQ_K, "stream", "deny", _AF_INET6),
            "stream",
            (_LD_W_ABS, 0, 0, _argument(1)),
            (_ALU_AND_K, 0, 0, _SOCK_TYPE_MASK),
            (_JEQ_K, "allow", "deny", _SOCK_STREAM),
            "flags3",
            (_LD_W_ABS, 0, 0, _argument(3)),
            (_JSET_K, "deny", "allow", _MSG_FASTOPEN),
            "flags2",
            (_LD_W_ABS, 0, 0, _argument(2)),
            (_JSET_K, "deny", "allow", _MSG_FASTOPEN),
        ]
    else:
        program.append((_JEQ_K, "allow", "deny", _AF_UNIX))
    program += ["allow", (_RET_K, 0, 0, _RET_ALLOW), "deny", (_RET_K, 0, 0, _RET_DENY)]
    return _assemble(program)


def _assemble(program: list[_Instruction | str]) -> bytes:
    labels: dict[str, int] = {}
    instructions: list[_Instruction] = []
    for item in program:
        if isinstance(item, str):
            labels[item] = len(instructions)
        else:
            instructions.append(item)
    encoded = b""
    for index, (code, jt, jf, k) in enumerate(instructions):
        # A jump is relative to the next instruction, and forward only.
        true = labels[jt] - index - 1 if isinstance(jt, str) else jt
        false = labels[jf] - index - 1 if isinstance(jf, str) else jf
        assert 0 <= true < 256 and 0 <= false < 256
        encoded += struct.pack("=HBBI", code, true, false, k)
    return encoded


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _set_no_new_privs(libc: ctypes.CDLL) -> None:
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")


def _install_network_filter(libc: ctypes.CDLL, *, server: bool = False) -> None:
    arch = _ARCHES.get(platform.machine())
    if arch is None:
        raise SandboxUnavailable(f"no seccomp filter written for {platform.machine()}")
    program = _network_filter(arch, server=server)
    instructions = ctypes.create_string_buffer(program, len(program))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Program(len(program) // 8, ctypes.cast(instructions, ctypes.c_void_p))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SandboxUnavailable(f"seccomp: {os.strerror(ctypes.get_errno())}")


_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on both arches


_CREATE_RULESET_VERSION = 1


_RULE_PATH_BENEATH = 1


_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8


_TRUNCATE, _IOCTL_DEV = 1 << 14, 1 << 15


#: Every file-system right each ABI knows: handled, hence denied unless a rule allows it.
_HANDLED = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}


_READ = _EXECUTE | _READ_FILE | _READ_DIR


_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV


#: Character devices a Python process opens: read and written, nothing else in /dev.
_DEVICES = ("/dev/null", "/dev/urandom", "/dev/random")


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers; 0 if none (or it is disabled)."""
    libc = _libc()
    version = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    return int(version) if version > 0 else 0


def _confine_files(libc: ctypes.CDLL, abi: int, readable: Iterable[Path]) -> None:
    handled = _HANDLED.get(abi, _HANDLED[4] | _IOCTL_DEV)
    attr = struct.pack("=Q", handled)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, attr, ctypes.c_size_t(len(attr)), 0)
    if ruleset < 0:
        raise SandboxUnavailable(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        rules = [(path, _READ) for path in readable]
        rules += [(Path(device), _READ_FILE | _WRITE_FILE) for device in _DEVICES]
        for path, rights in rules:
            try:
                descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path this machine lacks is nothing to allow
            try:
                if not os.path.isdir(path):
                    rights &= _FILE_RIGHTS
                rule = struct.pack("=Qi", rights & handled, descriptor)
                if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, rule, 0) != 0:
                    raise SandboxUnavailable(
                        f"landlock_add_rule({path}): {os.strerror(ctypes.get_errno())}"
                    )
            finally:
                os.close(descriptor)
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise SandboxUnavailable(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)


#: Shared libraries, the loader's cache and time zones: read by libraries loaded on first use.
_SYSTEM_READABLE = (
    "/usr/lib",
    "/usr/lib64",
    "/lib",
    "/lib64",
    "/usr/share/zoneinfo",
    "/etc/ld.so.cache",
    "/etc/localtime",
)


def runtime_paths() -> list[Path]:
    """What a Python worker reads after it is confined: the interpreter, its modules and the
    shared libraries they load on first use (Python imports lazily)."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    # Not sys.path[0]: the script's folder or the working directory, which may be anything.
    paths.update(Path(entry) for entry in sys.path[1:] if entry)
    paths.add(Path(__file__).resolve().parents[1])  # the bipmkg package, imported lazily
    paths.update(
        Path(p) for p in ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo")
    )
    paths.update(Path(p) for p in ("/etc/ld.so.cache", "/etc/localtime"))
    paths.add(Path(f"/proc/{os.getpid()}"))  # statm, for the worker's own memory figure
    return sorted(p for p in paths if p.exists())


def confine(readable: Iterable[Path]) -> Confinement:
    """Confine this process (and every thread and child it starts from now on) for good.

    Call it before starting any thread: seccomp and Landlock bind the calling thread and what it
    starts, not threads already running. Raises SandboxUnavailable if the kernel refuses either.
    """
    libc = _libc()
    _set_no_new_privs(libc)
    abi = landlock_abi()
    if abi == 0:
        raise SandboxUnavailable(
            "this kernel offers no Landlock (Linux 5.13 or later, with landlock among its LSMs)"
        )
    _confine_files(libc, abi, [*readable, *runtime_paths()])
    _install_network_filter(libc)
    return Confinement(landlock_abi=abi)


def exec_confined_server(command: Sequence[str]) -> None:
    """Replace this process by `command` (a SPARQL server such as `oxigraph serve`), which may
    accept connections but never open one: SERVICE and LOAD in what it evaluates cannot reach
    any host. Files are not confined: the server owns its store. Does not return."""
    libc = _libc()
    _set_no_new_privs(libc)
    _install_network_filter(libc, server=True)
    os.execvp(command[0], list(command))
