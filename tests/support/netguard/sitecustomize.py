"""Refuse and record every non-loopback network access of a Python process (tests only).

Put this folder on PYTHONPATH and set ECOASSESS_NETGUARD_LOG to a file: an audit hook then
refuses `socket.connect` and name lookups to anything but loopback, and appends each attempt
to the file, so a test can assert that a run neither reached nor tried to reach the network.
Child Python processes (Prefect's temporary server) inherit the environment and the guard.
"""

import ipaddress
import os
import socket
import sys

_LOG = os.environ.get("ECOASSESS_NETGUARD_LOG")
_LOCAL_NAMES = {None, "", "localhost", "localhost.localdomain", "ip6-localhost"}


def _loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {sys.argv[:3]} {what}\n")
    raise OSError(101, f"network access refused by test guard: {what}")  # ENETUNREACH


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _refuse(f"connect {address!r}")
    elif event == "socket.getaddrinfo":
        if not _loopback(args[0]):
            _refuse(f"getaddrinfo {args[0]!r}")
    elif event == "socket.gethostbyname":
        if not _loopback(args[0]):
            _refuse(f"gethostbyname {args[0]!r}")


if _LOG:
    sys.addaudithook(_hook)
