"""Every shipped framework loads, and its weights add up as its file documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.config import DATA_DIR, load_framework
from transforms.warehouse import normalized_weights

SHIPPED = sorted((DATA_DIR / "frameworks").glob("*.yaml"))


def test_three_frameworks_are_shipped():
    assert {p.stem for p in SHIPPED} >= {"ganzhou_2024", "green_development_2016", "eco_target_2016"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_framework_loads_with_sources_and_normalized_weights(path: Path):
    fw = load_framework(path)
    assert path.read_text("utf-8").lstrip().startswith("#")  # sourced in a comment at its top
    assert sum(normalized_weights(fw).values()) == pytest.approx(1.0)
    assert all(i.department for i in fw.indicators)


def test_green_development_index_category_weights_are_the_published_ones():
    fw = load_framework(DATA_DIR / "frameworks" / "green_development_2016.yaml")
    weights = normalized_weights(fw)
    by_category = {c.code: sum(weights[i.code] for i in fw.indicators if i.category == c.code) for c in fw.categories}
    published = {c.code: c.weight / 100 for c in fw.categories}
    assert sum(published.values()) == pytest.approx(1.0)
    for code, w in by_category.items():  # indicator weights (2.75/1.83/0.92 %) add up to the category's
        assert w == pytest.approx(published[code], abs=0.001), code
    assert len(fw.indicators) == 55 and sum(i.binding for i in fw.indicators) == 16


def test_ganzhou_framework_has_at_least_25_indicators_each_with_target_and_department():
    fw = load_framework(DATA_DIR / "frameworks" / "ganzhou_2024.yaml")
    assert len(fw.indicators) >= 25
    assert all(i.target is not None for i in fw.indicators)
    assert len(fw.departments) >= 10
