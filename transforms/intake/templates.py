"""One entry point for every Excel template a department is handed: indicator data
(`excel_template`), the events file and the cadre roster (`record_templates`). The CLI's `template`
command and the portal's download call `submission_template`."""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.config.framework import Framework
from transforms.intake.excel_template import KINDS, write_template
from transforms.intake.record_templates import write_record_template


def submission_template(con: duckdb.DuckDBPyConnection, fw: Framework, department: str, kind: str, year: int,
                        path: Path) -> Path:
    """The Excel template of one kind of submission (`indicators`, `events`, `tenures`) for a department
    and year, written to `path`."""
    if kind not in KINDS:
        raise ValueError(f"未知的模板类型 {kind!r}, 可选: {'、'.join(KINDS)} / unknown template kind")
    if kind == "indicators":
        return write_template(con, fw, department, year, path)
    return write_record_template(con, fw, department, kind, year, path)
