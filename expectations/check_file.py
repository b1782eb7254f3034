"""One file checked as a run would check it, without touching the office's data: `ecoassess validate`.

A steward (or the office for them) checks a file before sending it. The same parsing, suites and
contracts as a run decide, against a scratch copy of the office's warehouse (so the comparison with
last year's accepted values is real), and the office's warehouse is never opened for writing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from expectations.steward import report_unreadable
from expectations.validate import validate_submission
from transforms.config.framework import Department, Framework
from transforms.intake.receive import load_units, parse_received, receive_file
from transforms.runtime.home import Home
from transforms.runtime.warehouse import load_config, open_warehouse, rows


@dataclass(frozen=True)
class FileCheck:
    result: dict  # the steward report's JSON
    compared_year: int | None  # the accepted year before, if any, the file was compared with


def check_file(file: Path, dept: Department, year: int, fw: Framework, fw_path: Path, office: Home,
               report: Path | None = None, warehouse: Path | None = None) -> FileCheck:
    """Validate `file` for `dept` and `year` on a copy of `office`'s warehouse (or of `warehouse`,
    e.g. the snapshot a run leaves: the portal never opens the live one); with `report`, copy the
    steward report (HTML, JSON) and the annotated workbook there."""
    office_db = warehouse or office.warehouse
    # the file is read in chunks, never whole (one over the size limit is refused unread)
    with open(file, "rb") as fh, tempfile.TemporaryDirectory(prefix="ecoassess-validate-") as tmp:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
        scratch = Home.resolve(tmp)  # checking a file never touches the office's data: work on a copy
        for path in (office_db, office_db.with_name(office_db.name + ".wal")):
            if path.exists():
                shutil.copy2(path, scratch.root / path.name)
        with open_warehouse(scratch) as con:
            load_config(con, fw, fw_path)
            # the same bytes already received: check them afresh in the copy
            con.execute("DELETE FROM submission WHERE sha256 = ? AND department = ? AND year = ?",
                        [sha, dept.code, year])
            last = rows(con, "SELECT max(year) FROM current_submission WHERE department = ? AND year < ?",
                        [dept.code, year])[0][0]
            sid = receive_file(con, scratch, fh, file.name, dept.code, year).submission_id
            if sid in parse_received(con, scratch, fw, load_units()):
                validate_submission(con, scratch, fw, sid)
            else:  # not readable at all: rejected before validation, answered as a run answers it
                report_unreadable(con, scratch, fw, [sid])
            out = scratch.validation_root / str(sid)
            result = json.loads((out / "steward.json").read_text("utf-8"))
            if report:
                shutil.copytree(out, report, dirs_exist_ok=True)
    return FileCheck(result, last)
