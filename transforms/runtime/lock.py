"""One run per home at a time (an OS file lock, released by the kernel if the process dies).

The lock is taken before anything touches the warehouse or the reports, so a second run either
waits for the first or stops at once; it is re-entrant within a process, so the CLI can take it
before starting Prefect (a refused run stops in a second, not after the ~7 s server start) and the
flow, which also runs from deployments, takes it again without deadlocking itself.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from transforms.runtime.home import Home

LOCK_NAME = ".run.lock"
_held: dict[Path, int] = {}  # lock file -> nesting depth in this process
_guard = threading.Lock()


class RunLocked(RuntimeError):
    """Another run holds the home; the message, in Chinese first, names who holds it."""


def holder(home: Home) -> dict:
    """Who holds (or last held) the home's lock: pid, host, what, since. Empty if unknown."""
    try:
        return json.loads((home.root / LOCK_NAME).read_text("utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def _describe(info: dict) -> str:
    if not info:
        return ""
    return f"(进程 {info.get('pid')}@{info.get('host')}, {info.get('what', '')}, 开始于 {info.get('since', '?')})"


@contextmanager
def exclusive(home: Home, what: str = "", wait: bool = False,
              on_wait: Callable[[dict], None] | None = None) -> Iterator[None]:
    """Hold the home for one run. Busy: raise `RunLocked` at once, or with `wait` block until free
    (calling `on_wait(holder)` first, so the operator knows why nothing happens)."""
    path = (home.root / LOCK_NAME).resolve()
    with _guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[path] -= 1
        return

    fh = open(path, "a+", encoding="utf-8")  # never truncate before holding the lock: it names the holder
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info = holder(home)
            if not wait:
                raise RunLocked(
                    f"另一个评价考核任务正在使用运行目录 {home.root}{_describe(info)}。"
                    f"请等待其结束后再运行, 或加 --wait 排队等待。"
                    f" / Another run holds {home.root}; wait for it to finish or pass --wait.") from None
            if on_wait:
                on_wait(info)
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": what,
                             "since": f"{datetime.now():%Y-%m-%d %H:%M:%S}"}, ensure_ascii=False))
        fh.flush()
        with _guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()
