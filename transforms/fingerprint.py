"""Fingerprints that key the stages: same inputs and same code -> nothing expensive is redone."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import duckdb

from transforms.home import PROJECT_DIR
from transforms.warehouse import rows

CODE_DIRS = ("transforms", "expectations", "report_templates")
CODE_SUFFIXES = {".py", ".sql", ".j2", ".css"}


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the code that computes and renders (a changed formula or template is a new version)."""
    h = hashlib.sha256()
    for d in CODE_DIRS:
        for path in sorted((PROJECT_DIR / d).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(PROJECT_DIR)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, framework_file: Path, year: int) -> str:
    """The year's (and the year before's) current submissions, the config files and the code."""
    subs = rows(con, "SELECT year, department, kind, sha256 FROM current_submission WHERE year IN (?, ?) "
                     "OR kind = 'tenures' ORDER BY ALL", [year, year - 1])
    h = hashlib.sha256(framework_file.read_bytes())
    data_dir = framework_file.parent.parent
    for extra in ("regions.csv", "departments.yaml", f"targets/{framework_file.stem}.csv"):
        if (data_dir / extra).exists():
            h.update((data_dir / extra).read_bytes())
    h.update(json.dumps(subs, default=str).encode())
    h.update(code_version().encode())
    return h.hexdigest()

