"""The defaults a user or newcomer changes, from their one source: `data/defaults.yaml` (framework id,
colour palette, pagination thresholds), validated on load; and the default assessment year, which
is computed (the year before today in Asia/Shanghai), so a run with defaults never re-assesses a
year written down long ago.

A configuration folder ($ECOASSESS_DATA) may carry its own `defaults.yaml`; without one the
shipped file applies, so a generated synthetic jurisdiction needs none. Read at call time (a small
file), so `--data` or a changed environment is followed whatever was imported first.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError, field_validator

from transforms.config.framework import DATA_DIR, _explain, _read_yaml, _Strict, data_dir

OFFICE_TZ = ZoneInfo("Asia/Shanghai")  # the office's calendar decides which year has ended
FILE = "defaults.yaml"

Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Colours(_Strict):
    """Every colour the documents use; a CSS custom property each (`accent_soft` → `--accent-soft`)."""

    ink: Colour
    accent: Colour
    accent_soft: Colour
    muted: Colour
    faint: Colour
    rule: Colour
    hairline: Colour
    grid: Colour
    band: Colour
    backdrop: Colour
    paper: Colour
    good: Colour
    good_soft: Colour
    bad: Colour
    bad_soft: Colour
    warn: Colour
    blue: Colour


class Palette(_Strict):
    colours: Colours
    grades: dict[str, str]  # grade → colour name: the grade's text and its chart fill

    @field_validator("grades")
    @classmethod
    def _grades_named(cls, grades: dict[str, str]) -> dict[str, str]:
        unknown = "，".join(f"{g}: {c}" for g, c in grades.items() if c not in Colours.model_fields)
        if unknown:
            raise ValueError(f"等级颜色须为 colours 中的颜色名（{unknown} 不是；可用：{'、'.join(Colours.model_fields)}）"
                             " / a grade's colour must be a name from colours")
        return grades

    def values(self) -> dict[str, str]:
        """Colour name → value (the charts fill their SVG from these, see report_templates.render)."""
        return self.colours.model_dump()

    def grade_values(self) -> dict[str, str]:
        return {grade: getattr(self.colours, name) for grade, name in self.grades.items()}

    def css(self) -> str:
        """The palette as CSS: custom properties on :root and one rule per grade class."""
        props = " ".join(f"--{name.replace('_', '-')}: {value};" for name, value in self.values().items())
        grades = "\n".join(f".grade-{g} {{ color: var(--{c.replace('_', '-')}); }}" for g, c in self.grades.items())
        return f"/* generated from data/defaults.yaml (palette) */\n:root {{ {props} }}\n{grades}\n"


class Pagination(_Strict):
    ranking_panel_rows: int = Field(gt=0)
    histogram_above: int = Field(gt=0)
    indicator_rows_own_page: int = Field(gt=0)
    landscape_categories_above: int = Field(gt=0)


class Defaults(_Strict):
    framework: str = Field(min_length=1)
    palette: Palette
    pagination: Pagination


def defaults_path(data: Path | None = None) -> Path:
    """The folder's own `defaults.yaml`, else the shipped one."""
    own = (data or data_dir()) / FILE
    return own if own.exists() else DATA_DIR / FILE


def load_defaults(data: Path | None = None) -> Defaults:
    path = defaults_path(data)
    doc = _read_yaml(path)
    try:
        return Defaults.model_validate(doc)
    except ValidationError as err:
        raise _explain(path, err, doc) from None


def default_framework(data: Path | None = None) -> str:
    return load_defaults(data).framework


def default_year(today: date | datetime | None = None) -> int:
    """The year before today in Asia/Shanghai: the last year that has ended where the office works.
    An aware datetime is converted (Dec 31 23:30 UTC is already Jan 1 in Shanghai); a plain date is
    taken as the office's date."""
    if today is None:
        today = datetime.now(OFFICE_TZ)
    elif isinstance(today, datetime) and today.tzinfo is not None:
        today = today.astimezone(OFFICE_TZ)
    return today.year - 1
