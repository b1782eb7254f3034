"""Fingerprints that key the stages: same inputs and same code -> nothing expensive is redone."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import duckdb

from transforms.runtime.home import PROJECT_DIR
from transforms.runtime.sql import statement
from transforms.runtime.warehouse import rows

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


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_fingerprints(con: duckdb.DuckDBPyConnection, framework_file: Path, year: int) -> dict[str, str]:
    """The keys of the computing stages, part by part, and `inputs`, their combination.

    - `submissions`: the current (newest accepted) version of every department's data for the year
      and the year before, and the cadre rosters (as sha256 of the archived files);
    - `framework`: the framework file; `config`: regions, departments and decomposed targets;
    - `code`: the code that computes and renders (`code_version`).
    """
    subs = rows(con, statement("fingerprint/current_submissions"), [year, year - 1])
    data_dir = framework_file.parent.parent
    config = hashlib.sha256()
    for extra in ("regions.csv", "departments.yaml", f"targets/{framework_file.stem}.csv"):
        if (data_dir / extra).exists():
            config.update(extra.encode() + b"\0" + (data_dir / extra).read_bytes())
    parts = {"submissions": _sha(json.dumps(subs, default=str).encode()),
             "framework": _sha(framework_file.read_bytes()), "config": config.hexdigest(), "code": code_version()}
    parts["inputs"] = _sha(json.dumps(parts, sort_keys=True).encode())
    return parts


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, framework_file: Path, year: int) -> str:
    """One key for the year's inputs and the code (see `inputs_fingerprints`)."""
    return inputs_fingerprints(con, framework_file, year)["inputs"]
