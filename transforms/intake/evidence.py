"""佐证材料 the departments attached to their files through the portal, read from the inbox.

The portal never writes the warehouse: beside a department's files it keeps `.evidence.json`
({sha256 of the file: [entries]}, transforms/portal/inbox.py). The run records each entry against
the submission holding those bytes, so the reports that cite the file, an event of it or one of its
values can list the evidence. A sidecar that cannot be read, or an entry not of the portal's shape,
is left out with a warning in the run's log: evidence is listed, never guessed.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import duckdb
import polars as pl

from transforms.config.framework import Department
from transforms.intake.receive import resolve_department
from transforms.runtime.sql import registered, statement

EVIDENCE = ".evidence.json"
SHA256 = re.compile(r"[0-9a-f]{64}")
SCHEMA = {"department": pl.String, "year": pl.Int32, "file_sha256": pl.String, "evidence_no": pl.Int64,
          "file_name": pl.String, "sha256": pl.String, "size_bytes": pl.Int64, "note": pl.String,
          "event_id": pl.String, "region_code": pl.String, "indicator_code": pl.String, "attached_at": pl.String,
          "attached_by": pl.String}
log = logging.getLogger(__name__)


def record_evidence(con: duckdb.DuckDBPyConnection, inbox: Path, departments: list[Department]) -> int:
    """Record the 佐证材料 of every `<inbox>/<year>/<department>/.evidence.json`; repeatable without
    effect. Returns the number of entries newly recorded."""
    listed: list[dict] = []
    for path in sorted(inbox.glob(f"*/*/{EVIDENCE}")):
        year, dept = path.parent.parent.name, resolve_department(path.parent.name, departments)
        if not year.isdigit() or dept is None or path.is_symlink() or path.parent.is_symlink():
            continue
        try:
            by_file = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("佐证材料清单无法读取, 已跳过: %s (%s)", path, exc)
            continue
        entries = [(sha, e) for sha, items in (by_file.items() if isinstance(by_file, dict) else [])
                   for e in (items if isinstance(items, list) else [None])]
        good = [_row(dept.code, int(year), sha, e) for sha, e in entries]
        if None in good:
            log.warning("佐证材料清单 %s 中有 %d 条格式不符, 已跳过", path, good.count(None))
        listed += [r for r in good if r is not None]
    if not listed:
        return 0
    with registered(con, evidence_listed=pl.DataFrame(listed, schema=SCHEMA)):
        return con.execute(statement("intake/record_evidence")).fetchall()[0][0]


def _row(department: str, year: int, file_sha256: str, e: object) -> dict | None:
    """One entry as a row, or None if it is not of the portal's shape."""
    if not (isinstance(e, dict) and SHA256.fullmatch(str(file_sha256)) and SHA256.fullmatch(str(e.get("sha256")))
            and isinstance(e.get("id"), int) and isinstance(e.get("size"), int) and str(e.get("file_name") or "")):
        return None
    text = lambda key: (str(e[key]).strip() or None) if e.get(key) is not None else None  # noqa: E731
    return {"department": department, "year": year, "file_sha256": file_sha256, "evidence_no": e["id"],
            "file_name": str(e["file_name"]), "sha256": e["sha256"], "size_bytes": e["size"], "note": text("note"),
            "event_id": text("event_id"), "region_code": text("region_code"),
            "indicator_code": text("indicator_code"), "attached_at": text("uploaded_at"),
            "attached_by": text("account")}
