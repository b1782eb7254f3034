"""The check of one upload, in a worker process of the portal: the run's own suites through
`expectations.check_file`, against the snapshot the last run left (`Home.snapshot`), never the live
warehouse. Worker processes because Great Expectations holds the GIL for seconds per file and its
import costs ~2 s: each worker imports it once and serves many uploads."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path


def warm() -> int:
    """Import what a check needs, once per worker, before the first upload waits for it."""
    import expectations.check_file  # noqa: F401
    import expectations.validate  # noqa: F401

    return os.getpid()


def check_upload(file: str, department: str, year: int, framework_id: str, home: str, report: str) -> dict:
    """The steward report (JSON) of `file` as `department`'s submission for `year`; the HTML report,
    annotated workbook and Data Docs are written to `report`."""
    from expectations.check_file import check_file
    from transforms.config.framework import framework_path, load_departments, load_framework
    from transforms.intake.receive import resolve_department
    from transforms.runtime.home import Home, make_private

    office = Home.locate(home)
    dept = resolve_department(department, load_departments())
    fw_path = framework_path(framework_id)
    # no snapshot yet (no run so far): an empty scratch warehouse, nothing to compare with
    checked = check_file(Path(file), dept, year, load_framework(fw_path), fw_path, office, Path(report),
                         warehouse=office.snapshot)  # the steward report is the readable one
    make_private(Path(report))
    return checked.result | {"compared_year": checked.compared_year}


def pool(workers: int) -> ProcessPoolExecutor:
    """Spawned (not forked) workers: the portal's threads and sockets stay out of them."""
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    for _ in range(workers):
        executor.submit(warm)
    return executor
