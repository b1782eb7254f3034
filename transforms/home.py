"""The one home directory that holds all runtime state (git-ignored, never `data/`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, root: str | Path | None = None) -> "Home":
        """`root`, else $ECOASSESS_HOME, else `var/` in the project folder."""
        chosen = root or os.environ.get("ECOASSESS_HOME") or PROJECT_DIR / "var"
        home = cls(Path(chosen).resolve())
        for sub in (home.archive, home.reports_root, home.validation_root):
            sub.mkdir(parents=True, exist_ok=True)
        return home

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def reports_root(self) -> Path:
        return self.root / "reports"

    @property
    def validation_root(self) -> Path:
        return self.root / "validation"

    def reports(self, year: int) -> Path:
        return self.reports_root / str(year)
