"""Stage progress for the operator: the flows announce stages, the CLI shows them with rich, and
Prefect's run logger carries the same lines to the UI (CLI and worker runs alike).

The flow runs in the CLI's process, so a process-wide list of listeners is enough for the terminal;
a deployment run on a worker has none, and its progress shows in the run's logs in the UI.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator, Protocol

LABELS = {"ingest": "接收报送 / ingest", "validate": "数据审核 / validate", "fingerprint": "比对输入 / fingerprint",
          "score": "计分 / score", "veto": "一票否决 / veto", "attribute": "干部归责 / attribute",
          "report": "生成报告 / report"}


class Listener(Protocol):
    def begin(self, stage: str, total: int | None) -> None: ...
    def advance(self, stage: str, n: int) -> None: ...
    def note(self, stage: str, text: str) -> None: ...
    def end(self, stage: str) -> None: ...


_listeners: list[Listener] = []


def label(stage: str) -> str:
    """The Chinese name of a stage (task names in the Prefect UI, log lines)."""
    return LABELS.get(stage, stage).split(" / ")[0]


def log() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's logger of the running flow or task (its lines show in the UI), else a plain one."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("ecoassess")


def begin(stage: str, total: int | None = None) -> None:
    for listener in _listeners:
        listener.begin(stage, total)


def advance(stage: str, n: int = 1) -> None:
    for listener in _listeners:
        listener.advance(stage, n)


def note(stage: str, text: str) -> None:
    """What `stage` is working on now (e.g. 第 3/15 个文件, 市林业局《…》): beside its bar on the terminal
    and a line in the run's log (the Prefect UI)."""
    for listener in _listeners:
        listener.note(stage, text)
    log().info(f"{label(stage)}: {text}")


def end(stage: str) -> None:
    for listener in _listeners:
        listener.end(stage)


class RichListener:
    """A spinner per stage with its elapsed time, and a bar where the stage knows its total."""

    def __init__(self, progress) -> None:
        self.progress = progress
        self.ids: dict[str, int] = {}

    def begin(self, stage: str, total: int | None) -> None:
        label = LABELS.get(stage, stage)
        if stage in self.ids:
            self.progress.update(self.ids[stage], total=total, completed=0)
        else:
            self.ids[stage] = self.progress.add_task(label, total=total)

    def advance(self, stage: str, n: int) -> None:
        if stage in self.ids:
            self.progress.advance(self.ids[stage], n)

    def note(self, stage: str, text: str) -> None:
        if stage in self.ids:
            self.progress.update(self.ids[stage], description=f"{LABELS.get(stage, stage)}: {text}")

    def end(self, stage: str) -> None:
        if stage in self.ids:
            self.progress.update(self.ids[stage], description=LABELS.get(stage, stage))
            task = self.progress.tasks[self.ids[stage]]
            self.progress.update(self.ids[stage], total=task.total or 1, completed=task.total or 1)


@contextmanager
def shown(enabled: bool = True) -> Iterator[None]:
    """Show stage progress on stderr while the block runs (only on a terminal: logs stay clean)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not (enabled and console.is_terminal):
        yield
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        listener = RichListener(bar)
        _listeners.append(listener)
        try:
            yield
        finally:
            _listeners.remove(listener)
