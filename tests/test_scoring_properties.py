"""Properties of the scoring engine that must hold for any data (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import MINI_FRAMEWORK, MINI_REGIONS
from transforms.config import DATA_DIR, load_framework
from transforms.scoring import score_year
from transforms.warehouse import connect, load_config, rows

REGIONS = ["990001", "990002", "990003"]
values = st.lists(st.floats(min_value=1, max_value=99, allow_nan=False), min_size=3, max_size=3)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("data")
    (d / "frameworks").mkdir()
    (d / "frameworks" / "mini.yaml").write_text(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True), "utf-8")
    (d / "regions.csv").write_text(MINI_REGIONS, "utf-8")
    (d / "departments.yaml").write_text((DATA_DIR / "departments.yaml").read_text("utf-8"), "utf-8")
    return d


def index_of(data_dir: Path, table: dict[str, list[float]], method: str = "efficacy") -> dict[str, float]:
    """Score `table` (indicator -> values for 甲, 乙, 丙) in a fresh in-memory warehouse."""
    path = data_dir / "frameworks" / "mini.yaml"
    fw = load_framework(path).model_copy(update={"normalization": method})
    con = connect(Path(":memory:"))
    load_config(con, fw, path, data_dir)
    con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) "
                "VALUES (1, 'all', 2025, 'indicators', 1, 'accepted')")
    for code, vals in table.items():
        for region, v in zip(REGIONS, vals):
            con.execute("INSERT INTO observation (submission_id, region_code, indicator_code, year, value) "
                        "VALUES (1, ?, ?, 2025, ?)", [region, code, v])
    score_year(con, fw, 2025, "p")
    out = dict(rows(con, "SELECT region_code, gdi FROM result WHERE run_id = 'p'"))
    con.close()
    return out


@settings(max_examples=30, deadline=None)
@given(a=values, b=values, c=values, bump=st.floats(min_value=0.01, max_value=50))
def test_improving_a_positive_indicator_never_lowers_the_index(data_dir, a, b, c, bump):
    before = index_of(data_dir, {"A": a, "B": b, "C": c})
    after = index_of(data_dir, {"A": [a[0] + bump, a[1], a[2]], "B": b, "C": c})
    assert after["990001"] >= before["990001"] - 1e-9


@settings(max_examples=20, deadline=None)
@given(a=values, b=values, c=values, method=st.sampled_from(["efficacy", "rank", "zscore"]))
def test_relabelling_regions_changes_nothing(data_dir, a, b, c, method):
    got = index_of(data_dir, {"A": a, "B": b, "C": c}, method)
    perm = [2, 0, 1]  # 甲 gets 丙's values, 乙 gets 甲's, 丙 gets 乙's
    moved = index_of(data_dir, {k: [v[p] for p in perm] for k, v in {"A": a, "B": b, "C": c}.items()}, method)
    for new, old in zip(REGIONS, [REGIONS[p] for p in perm]):
        assert moved[new] == pytest.approx(got[old], abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(a=values, b=values, c=values, k=st.floats(min_value=0.01, max_value=1000),
       method=st.sampled_from(["efficacy", "rank", "zscore"]))
def test_scaling_an_indicator_leaves_data_driven_scores_unchanged(data_dir, a, b, c, k, method):
    got = index_of(data_dir, {"A": a, "B": b, "C": c}, method)
    scaled = index_of(data_dir, {"A": [v * k for v in a], "B": b, "C": c}, method)
    for r in REGIONS:
        assert scaled[r] == pytest.approx(got[r], rel=1e-9, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(a=values, b=values, c=values)
def test_a_region_best_on_every_indicator_scores_100(data_dir, a, b, c):
    # 甲 gets the best value of each indicator (A, C positive; B negative): every efficacy score is 100
    best = {"A": [max(a) + 1, a[1], a[2]], "B": [min(b) - 0.5, b[1], b[2]], "C": [max(c) + 1, c[1], c[2]]}
    assert index_of(data_dir, best)["990001"] == pytest.approx(100.0)
