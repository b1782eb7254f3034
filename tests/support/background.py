"""Slow preparations started at the session's first test and finished in the background.

The real runs the end-to-end and fault tests build on (a Prefect server, the demo year, the killed
runs and the recovery) spend much of their time in subprocesses that leave a core idle: importing,
starting servers, validating one file at a time. Started in a thread at the first test of the
session, they overlap with the quick tests, and conftest.py moves the modules that use them to the
end of the run. A test asks for one with `result(name)`: it waits for it then and gets its value, or
the exception it raised (an assertion, `pytest.fail`) raised again, so it fails the same way as in a
fixture. Nothing is skipped or mocked: the same runs happen, only earlier.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

# the environment of the session as it began: a test that sets a variable for itself (monkeypatch)
# while a preparation starts a subprocess must not leak into that subprocess
BASE_ENV = dict(os.environ)


@dataclass
class Preparation:
    """`make(root)` run once in a thread (`root`: a fresh directory for it); `close(value)` at the end
    of the session. Started when a selected test uses one of the fixtures `needed_by`."""

    name: str
    needed_by: frozenset[str]
    make: Callable[[Path], Any]
    close: Callable[[Any], None] | None = None
    thread: threading.Thread | None = None
    outcome: tuple[bool, Any] | None = field(default=None, repr=False)

    def _run(self, root: Path) -> None:
        try:
            self.outcome = (True, self.make(root))
        except BaseException as exc:  # noqa: BLE001  (pytest.fail raises an OutcomeException)
            self.outcome = (False, exc)

    def start(self, root: Path) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, args=(root,), name=f"prepare-{self.name}", daemon=True)
            self.thread.start()


_PREPARATIONS: dict[str, Preparation] = {}
_tmp_path_factory = None


def prepare(name: str, needed_by: set[str], make: Callable[[Path], Any],
            close: Callable[[Any], None] | None = None) -> None:
    """Register a preparation (at import of the module that uses it, or in conftest.py)."""
    _PREPARATIONS.setdefault(name, Preparation(name, frozenset(needed_by), make, close))


def needed(fixturenames: set[str]) -> bool:
    return any(p.needed_by & fixturenames for p in _PREPARATIONS.values())


def start(name: str) -> None:
    prep = _PREPARATIONS[name]
    if prep.thread is None:
        prep.start(_tmp_path_factory.mktemp(name))  # made here, in the main thread


def start_needed(tmp_path_factory, fixturenames: set[str]) -> None:
    """Start every preparation one of the selected tests will use."""
    global _tmp_path_factory
    _tmp_path_factory = tmp_path_factory
    for prep in _PREPARATIONS.values():
        if prep.needed_by & fixturenames:
            start(prep.name)


def result(name: str) -> Any:
    """The preparation's value (waiting for it), or its exception raised again."""
    start(name)
    prep = _PREPARATIONS[name]
    prep.thread.join()
    ok, value = prep.outcome
    if not ok:
        raise value
    return value


def close_all() -> None:
    """At the end of the session: wait for what is still running, then release what was made (servers)."""
    for prep in _PREPARATIONS.values():
        if prep.thread is not None:
            prep.thread.join()
            if prep.close and prep.outcome and prep.outcome[0]:
                prep.close(prep.outcome[1])
