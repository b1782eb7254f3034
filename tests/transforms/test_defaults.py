"""data/defaults.yaml, the one source of the defaults a user changes: validated on load with a Chinese
message naming file and entry; a configuration folder may carry its own; the default year is the
year before today in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from transforms.config.defaults import DATA_DIR, FILE, default_framework, default_year, defaults_path, load_defaults
from transforms.config.framework import ConfigError, load_framework

SHIPPED = yaml.safe_load((DATA_DIR / FILE).read_text("utf-8"))


def write_defaults(folder: Path, **changes) -> Path:
    """A configuration folder whose defaults.yaml is the shipped one with `changes` (nested dicts merged)."""
    doc = yaml.safe_load((DATA_DIR / FILE).read_text("utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                if isinstance(v, dict):
                    doc[key][sub].update(v)
                else:
                    doc[key][sub] = v
        else:
            doc[key] = value
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FILE).write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    return folder


def test_the_shipped_defaults_load():
    d = load_defaults(DATA_DIR)
    assert d.framework == SHIPPED["framework"] and (DATA_DIR / "frameworks" / f"{d.framework}.yaml").exists()
    assert d.pagination.ranking_panel_rows == 44 and d.pagination.histogram_above == 150
    assert d.pagination.indicator_rows_own_page == 40 and d.pagination.landscape_categories_above == 8
    # every grade of the shipped frameworks has a colour
    for path in (DATA_DIR / "frameworks").glob("*.yaml"):
        assert {b.grade for b in load_framework(path).grade_bands} <= set(d.palette.grades), path.name


def test_the_palette_reaches_css_as_custom_properties():
    css = load_defaults(DATA_DIR).palette.css()
    assert f"--accent-soft: {SHIPPED['palette']['colours']['accent_soft']};" in css
    assert ".grade-合格 { color: var(--warn); }" in css


def test_a_folder_with_its_own_defaults_wins_and_one_without_uses_the_shipped(tmp_path, monkeypatch):
    own = write_defaults(tmp_path / "own", framework="mine", palette={"colours": {"accent": "#123456"}})
    monkeypatch.setenv("ECOASSESS_DATA", str(own))
    assert default_framework() == "mine" and load_defaults().palette.colours.accent == "#123456"
    bare = tmp_path / "bare"
    bare.mkdir()
    monkeypatch.setenv("ECOASSESS_DATA", str(bare))
    assert defaults_path() == DATA_DIR / FILE and default_framework() == SHIPPED["framework"]


@pytest.mark.parametrize("changes, entry, problem", [
    ({"palette": {"colours": {"muted": "grey"}}}, "palette.colours.muted", "String should match pattern"),
    ({"palette": {"grades": {"合格": "amber"}}}, "palette.grades", "（合格: amber 不是；"),
    ({"pagination": {"histogram_above": 0}}, "pagination.histogram_above", "greater than 0"),
    ({"pagination": {"rows_per_page": 30}}, "pagination.rows_per_page", "Extra inputs are not permitted"),
])
def test_a_wrong_entry_is_refused_naming_file_and_entry(tmp_path, changes, entry, problem):
    folder = write_defaults(tmp_path / "data", **changes)
    with pytest.raises(ConfigError) as err:
        load_defaults(folder)
    text = str(err.value)
    assert "配置文件有误" in text and str(folder / FILE) in text
    assert f"条目 {entry}: " in text and problem in text


def test_default_year_is_the_year_before_today_in_shanghai():
    new_year_in_shanghai = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # 2027-01-01 07:30 in Shanghai
    assert default_year(new_year_in_shanghai) == 2026
    assert default_year(new_year_in_shanghai - timedelta(hours=8)) == 2025  # 2026-12-31 23:30 in Shanghai
    assert default_year(datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=10)))) == 2025  # Dec 31 in Shanghai
    assert default_year(date(2027, 3, 15)) == 2026  # the yearly schedule's day assesses the year before
    shanghai_today = datetime.now(timezone(timedelta(hours=8))).date()
    assert default_year() == shanghai_today.year - 1
