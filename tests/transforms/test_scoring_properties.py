"""Properties of the scoring engine that must hold for any data (hypothesis).

Each example scores three counties in a fresh in-memory warehouse with the real schema, under the
mini framework (one level of categories) or the same indicators in a three-level tree, with any of
the six normalization methods and either aggregation method.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.support.mini import MINI_FRAMEWORK, MINI_REGIONS
from transforms.config.framework import DATA_DIR, load_framework
from transforms.runtime.warehouse import connect, load_config, rows
from transforms.scoring.score import score_year

REGIONS = ["990001", "990002", "990003"]
METHODS = ["efficacy", "minmax", "target", "zscore", "rank", "attainment"]
values = st.lists(st.floats(min_value=1, max_value=99, allow_nan=False), min_size=3, max_size=3)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("data")
    (d / "frameworks").mkdir()
    (d / "regions.csv").write_text(MINI_REGIONS, "utf-8")
    (d / "departments.yaml").write_text((DATA_DIR / "departments.yaml").read_text("utf-8"), "utf-8")
    return d


def framework_doc(method: str, aggregation: str, tree: bool, weights: list[float] | None = None,
                  scale_a: float = 1.0) -> dict:
    """The mini framework with goalposts 0–200 (minmax), optionally as a tree X → X1 → {A, B}, Y → {C},
    optionally explicit weights, and A's goalposts and target scaled (a change of A's unit)."""
    doc = copy.deepcopy(MINI_FRAMEWORK) | {"normalization": method, "aggregation": aggregation}
    if aggregation == "geometric":  # rank and minmax can score 0, which a geometric mean refuses unless floored
        doc["geometric_zero"] = {"rule": "floor", "floor": 1e-6}
    for ind in doc["indicators"]:
        ind["goalposts"] = [0, 200 * (scale_a if ind["code"] == "A" else 1)]
        ind["valid_range"] = [0, 1e9]
    doc["indicators"][0]["target"]["value"] *= scale_a
    if weights:
        for ind, w in zip(doc["indicators"], weights):
            ind["weight"] = w
    if tree:
        doc["categories"].append({"code": "X1", "name": "环境子类", "parent": "X"})
        for ind in doc["indicators"][:2]:
            ind["category"] = "X1"
    return doc


_WAREHOUSES: dict[str, tuple] = {}  # one in-memory warehouse per framework variant, reused across examples


def index_of(data_dir: Path, table: dict[str, list[float]], method: str = "efficacy",
             aggregation: str = "arithmetic", tree: bool = False, weights: list[float] | None = None,
             scale_a: float = 1.0) -> dict[str, float]:
    """Score `table` (indicator -> values for 甲, 乙, 丙); the index per region."""
    text = yaml.safe_dump(framework_doc(method, aggregation, tree, weights, scale_a), allow_unicode=True)
    if text not in _WAREHOUSES:
        path = data_dir / "frameworks" / "mini.yaml"
        path.write_text(text, "utf-8")
        fw = load_framework(path)
        con = connect(Path(":memory:"))
        load_config(con, fw, path, data_dir)
        con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) "
                    "VALUES (1, 'all', 2025, 'indicators', 1, 'accepted')")
        _WAREHOUSES[text] = (con, fw)
    con, fw = _WAREHOUSES[text]
    con.execute("DELETE FROM observation")
    con.executemany("INSERT INTO observation (submission_id, region_code, indicator_code, year, value) "
                    "VALUES (1, ?, ?, 2025, ?)", [[r, code, v] for code, vals in table.items()
                                                  for r, v in zip(REGIONS, vals)])
    score_year(con, fw, 2025, "p")
    out = dict(rows(con, "SELECT region_code, gdi FROM result WHERE run_id = 'p'"))
    for t in ("score", "category_score", "result"):
        con.execute(f"DELETE FROM {t}")
    return out


@settings(max_examples=30, deadline=None)
@given(a=values, b=values, c=values, bump=st.floats(min_value=0.01, max_value=50),
       method=st.sampled_from(METHODS), aggregation=st.sampled_from(["arithmetic", "geometric"]),
       tree=st.booleans())
def test_improving_a_positive_indicator_never_lowers_the_index(data_dir, a, b, c, bump, method, aggregation, tree):
    assume(not (method == "zscore" and aggregation == "geometric"))  # refused on load (negative scores)
    before = index_of(data_dir, {"A": a, "B": b, "C": c}, method, aggregation, tree)
    after = index_of(data_dir, {"A": [a[0] + bump, a[1], a[2]], "B": b, "C": c}, method, aggregation, tree)
    assert after["990001"] >= before["990001"] - 1e-9


@settings(max_examples=20, deadline=None)
@given(a=values, b=values, c=values, method=st.sampled_from(METHODS), tree=st.booleans())
def test_relabelling_regions_changes_nothing(data_dir, a, b, c, method, tree):
    got = index_of(data_dir, {"A": a, "B": b, "C": c}, method, tree=tree)
    perm = [2, 0, 1]  # 甲 gets 丙's values, 乙 gets 甲's, 丙 gets 乙's
    moved = index_of(data_dir, {k: [v[p] for p in perm] for k, v in {"A": a, "B": b, "C": c}.items()}, method,
                     tree=tree)
    for new, old in zip(REGIONS, [REGIONS[p] for p in perm]):
        assert moved[new] == pytest.approx(got[old], abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(a=values, b=values, c=values, k=st.floats(min_value=0.01, max_value=1000), method=st.sampled_from(METHODS))
def test_scaling_an_indicator_leaves_its_scores_unchanged(data_dir, a, b, c, k, method):
    # efficacy (the data's own min–max), rank and z-score: scaling the values alone changes nothing;
    # min–max on goalposts and target attainment: scaling values with their goalposts/target (a change of unit)
    got = index_of(data_dir, {"A": a, "B": b, "C": c}, method)
    fixed = method in ("minmax", "target", "attainment")
    scaled = index_of(data_dir, {"A": [v * k for v in a], "B": b, "C": c}, method, scale_a=k if fixed else 1.0)
    for r in REGIONS:
        assert scaled[r] == pytest.approx(got[r], rel=1e-9, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(a=values, b=values, c=values,
       weights=st.lists(st.floats(min_value=0.01, max_value=1), min_size=3, max_size=3),
       method=st.sampled_from(["efficacy", "minmax"]), aggregation=st.sampled_from(["arithmetic", "geometric"]),
       tree=st.booleans())
def test_weights_summing_to_one_keep_an_all_100_region_at_100(data_dir, a, b, c, weights, method, aggregation,
                                                              tree):
    weights = [w / sum(weights) for w in weights]
    # 甲 scores 100 on every indicator: the best value of each (efficacy) or the best goalpost (minmax 0–200;
    # B is negative, so its best is 0)
    if method == "efficacy":
        best = {"A": [max(a) + 1, a[1], a[2]], "B": [min(b) - 0.5, b[1], b[2]], "C": [max(c) + 1, c[1], c[2]]}
    else:
        best = {"A": [200, a[1], a[2]], "B": [0, b[1], b[2]], "C": [200, c[1], c[2]]}
    assert index_of(data_dir, best, method, aggregation, tree, weights)["990001"] == pytest.approx(100.0)
