"""The demo generator: the committed inbox is its output, values are plausible and year-correlated,
deliberate defects have exactly the outcome they are listed with, and synthetic jurisdictions of
any size are complete enough to run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from transforms.config.framework import DATA_DIR, framework_path, load_departments, load_framework, read_csv_rows
from transforms.demo.inbox import CELL_DEFECTS, FILE_DEFECTS, _counties, _region_targets, expected_outcomes, indicator_values, write_demo_inbox
from transforms.demo.synthetic import write_synthetic_dataset
from transforms.intake.receive import load_units, parse_received, pull_inbox
from transforms.runtime.home import Home
from transforms.runtime.warehouse import connect, load_config, rows

COMMITTED = DATA_DIR / "demo" / "inbox"
YEARS = [2021, 2022, 2023, 2024, 2025]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_committed_demo_inbox_is_exactly_the_generator_output(tmp_path):
    fw = load_framework(framework_path("ganzhou_2024"))
    write_demo_inbox(tmp_path / "inbox", fw, YEARS)  # the defaults `ecoassess demo` uses
    generated, committed = _files(tmp_path / "inbox"), _files(COMMITTED)
    assert sorted(generated) == sorted(committed)
    assert [name for name in generated if generated[name] != committed[name]] == []


def test_generator_is_deterministic_and_the_seed_matters(tmp_path):
    fw = load_framework(framework_path("ganzhou_2024"))
    a = _files(Path(write_demo_inbox(tmp_path / "a", fw, [2024, 2025], seed=7)[0]).parents[2])
    b = _files(Path(write_demo_inbox(tmp_path / "b", fw, [2024, 2025], seed=7)[0]).parents[2])
    c = _files(Path(write_demo_inbox(tmp_path / "c", fw, [2024, 2025], seed=8)[0]).parents[2])
    assert a == b and a != c


def test_values_are_in_range_mostly_meet_targets_and_follow_last_year():
    fw = load_framework(framework_path("ganzhou_2024"))
    counties = _counties(DATA_DIR)
    values = indicator_values(fw, counties, YEARS, 20250101, _region_targets(DATA_DIR, fw))
    targets = _region_targets(DATA_DIR, fw)
    met, total, correlations = 0, 0, []
    for j, ind in enumerate(fw.indicators):
        lo, hi = ind.valid_range
        series = np.stack([values[y][:, j] for y in YEARS])  # years × counties
        assert series.min() >= lo and series.max() <= hi, ind.code
        # year-to-year: a county's value is close to its own value last year, not a fresh draw
        if np.ptp(series[-2]) > 0 and np.ptp(series[-1]) > 0:
            correlations.append(np.corrcoef(series[-2], series[-1])[0, 1])
            assert correlations[-1] > 0.7, (ind.code, correlations[-1])  # (values clipped at 100 % lower it)
        for k, c in enumerate(counties):
            t = targets.get((ind.code, c["region_code"], 2025), ind.target.value)
            if t is not None:
                ok = series[-1, k] >= t if ind.target.op == ">=" else series[-1, k] <= t
                met, total = met + ok, total + 1
    assert 0.7 < met / total < 0.97  # plausible: most targets met, not all
    assert np.median(correlations) > 0.95


def _ingest_all(home: Home, inbox: Path, fw, data: Path = DATA_DIR, years: set[int] | None = None,
                validate: bool = True) -> dict[str, dict]:
    """Ingest (and validate) an inbox; per file (relative path): status, warnings, observations."""
    from expectations.validate import validate_pending

    con = connect(home.warehouse)
    load_config(con, fw, framework_path(fw.id, data), data)
    pull_inbox(con, home, inbox, load_departments(data), years)
    parse_received(con, home, fw, load_units(data), load_departments(data))
    outcomes = {o.submission_id: o for o in validate_pending(con, home, fw)} if validate else {}
    out = {}
    for sid, source, status in rows(con, "SELECT submission_id, source_path, status FROM submission"):
        obs = {(r[0], r[1]): (r[2], r[3]) for r in rows(
            con, "SELECT region_code, indicator_code, value, note FROM observation WHERE submission_id = ?", [sid])}
        out[Path(source).relative_to(inbox).as_posix()] = {
            "status": status, "warnings": outcomes[sid].warnings if sid in outcomes else 0, "obs": obs}
    con.close()
    return out


def test_deliberate_defects_have_exactly_their_listed_outcome(tmp_path):
    fw = load_framework(framework_path("ganzhou_2024"))
    years = [2024, 2025]
    write_demo_inbox(tmp_path / "clean", fw, years)
    write_demo_inbox(tmp_path / "defects", fw, years, defect_rate=1.0)
    defects = json.loads((tmp_path / "defects" / "defects.json").read_text("utf-8"))
    assert not (tmp_path / "clean" / "defects.json").exists()
    kinds = {d["kind"] for d in defects}
    assert len(kinds) >= 12 and kinds <= set(CELL_DEFECTS) | set(FILE_DEFECTS)
    expected = expected_outcomes(defects)
    assert len(expected) == 2 * len(fw.departments)  # rate 1.0: every indicator file carries a defect
    assert {"accepted", "warning", "rejected"} == set(expected.values())

    # the clean inbox is the committed demo's kind of data, accepted end to end elsewhere: parse only
    clean = _ingest_all(Home.resolve(tmp_path / "h1"), tmp_path / "clean", fw, validate=False)
    got = _ingest_all(Home.resolve(tmp_path / "h2"), tmp_path / "defects", fw)
    explained = {(d["file"], d["region_code"], d["indicator"]) for d in defects if d["kind"] == "value.missing_explained"}
    for name, outcome in expected.items():
        status = got[name]["status"]
        assert status == ("rejected" if outcome == "rejected" else "accepted"), (name, outcome, status)
        if outcome == "warning":
            assert got[name]["warnings"] >= 1, name
        if outcome == "rejected":
            continue
        # absorbed defects: the parser read exactly the values the clean file holds
        for key, (value, note) in clean[name]["obs"].items():
            if (name, *key) in explained:
                assert got[name]["obs"][key][0] is None and "未建立" in got[name]["obs"][key][1]
            else:
                assert got[name]["obs"][key][0] == pytest.approx(value, rel=1e-9), (name, key)
    for d in defects:  # cell defects name the value they stand for
        if d["kind"] in CELL_DEFECTS and d["clean_value"] is not None and d["kind"] != "value.out_of_range":
            value = clean[d["file"]]["obs"][(d["region_code"], d["indicator"])][0]
            assert d["clean_value"] == pytest.approx(value, rel=1e-9)


def test_synthetic_framework_can_hold_every_shipped_framework(tmp_path):
    ds = write_synthetic_dataset(tmp_path / "syn", regions=30, departments=20, years=[2025],
                                 frameworks=["ganzhou_2024", "green_development_2016", "eco_target_2016"])
    fw = load_framework(ds.data_dir / "frameworks" / "synthetic.yaml")
    assert len(fw.indicators) == 38 + 56 + 22 == ds.indicators
    assert len({i.name for i in fw.indicators}) == len(fw.indicators)  # 森林覆盖率 ×3 became 森林覆盖率-EP01 …
    assert len(fw.categories) == 5 + 7 + 4 and len(fw.departments) == 20
    per_dept = [sum(i.department == d for i in fw.indicators) for d in fw.departments]
    assert min(per_dept) >= 1
    regional = [i.code for i in fw.indicators if i.target and i.target.value is None]
    with (ds.data_dir / "targets" / "synthetic.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(regional) * 30


def test_synthetic_counties_mostly_meet_their_own_targets_even_negative_ones(tmp_path):
    """Per-county targets of reduction rates can be negative (eco_target_2016's, drawn in the low end of
    −50…60 %): the values must still lie mostly on the right side, else every county is vetoed."""
    ds = write_synthetic_dataset(tmp_path / "syn", regions=40, departments=20, years=[2024, 2025],
                                 frameworks=["eco_target_2016"])
    fw = load_framework(ds.data_dir / "frameworks" / "synthetic.yaml")
    counties = _counties(ds.data_dir)
    targets = _region_targets(ds.data_dir, fw)
    values = indicator_values(fw, counties, [2024, 2025], 20250101, targets)
    negative = 0
    for j, ind in enumerate(fw.indicators):
        if not (ind.target and ind.target.value is None):
            continue
        for y in (2024, 2025):
            t = np.array([targets[(ind.code, c["region_code"], y)] for c in counties])
            ok = values[y][:, j] >= t if ind.target.op == ">=" else values[y][:, j] <= t
            negative += int((t < 0).any())
            assert ok.mean() >= 0.9, (ind.code, y, ok.mean())
    assert negative  # the case this guards: some targets below zero


def test_synthetic_dataset_is_complete_and_runs_through_ingest_and_validation(tmp_path):
    ds = write_synthetic_dataset(tmp_path / "syn", regions=120, departments=20, years=[2024, 2025])
    regions = read_csv_rows(ds.data_dir / "regions.csv")
    counties = [r for r in regions if r["level"] == "county"]
    codes = [c["region_code"] for c in counties]
    assert len(codes) == len(set(codes)) == 120 and all(len(c) == 6 and c.startswith("9") for c in codes)
    assert len({c["name"] for c in counties}) == 120
    assert {c["zone"] for c in counties} == {"重点开发区", "农产品主产区", "重点生态功能区"}
    assert all(c["parent_code"] == "900000" and "虚构" in c["synthetic_note"] for c in counties)
    fw = load_framework(ds.data_dir / "frameworks" / "synthetic.yaml")
    assert len(fw.indicators) == 38 == ds.indicators
    depts = load_departments(ds.data_dir)
    assert len(depts) == 20 == ds.departments and set(fw.departments) == {d.code for d in depts}
    with (ds.data_dir / "targets" / "synthetic.csv").open(encoding="utf-8") as fh:
        targets = list(csv.DictReader(fh))
    regional = [i.code for i in fw.indicators if i.target and i.target.value is None]
    assert len(targets) == len(regional) * 120 * 2
    roster = [p for p in ds.files if p.name.startswith("领导干部任职情况")]
    assert len(roster) == 1 and len([p for p in ds.files if "2025" in p.parts]) == 20 + 2

    got = _ingest_all(Home.resolve(tmp_path / "home"), ds.inbox, fw, ds.data_dir, years={2025})
    assert len(got) == 20 + 2
    assert {name: f["status"] for name, f in got.items() if f["status"] != "accepted"} == {}
    con = connect(Home.resolve(tmp_path / "home").warehouse)
    posts = dict(rows(con, "SELECT post, count(DISTINCT cadre_id) FROM current_tenure GROUP BY post"))
    assert posts["政府主要负责人"] == 120 and posts["党委书记"] == 121  # + the acting secretary
    assert posts["部门主要负责人"] == 20 and ds.cadres == 120 * 2 + 1 + 20
    con.close()


def test_synthetic_dataset_refuses_a_used_folder_and_impossible_sizes(tmp_path):
    write_synthetic_dataset(tmp_path, regions=3, departments=3, years=[2025])
    with pytest.raises(FileExistsError):
        write_synthetic_dataset(tmp_path, regions=3, departments=3, years=[2025])
    with pytest.raises(ValueError, match="部门数须在"):
        write_synthetic_dataset(tmp_path / "x", regions=3, departments=99, years=[2025])
    doc = yaml.safe_load((tmp_path / "data" / "departments.yaml").read_text("utf-8"))
    assert [d["code"] for d in doc["departments"]][-1] == "zzb"  # 组织部 sends the roster in every dataset


def test_absorbed_defects_in_csv_and_xlsx_read_as_the_clean_values(tmp_path):
    """Only the defects the parser must absorb, on every department of two years: a `%` typed in
    Excel, thousands separators, a data sheet after an instructions sheet, long form, declared units."""
    fw = load_framework(framework_path("ganzhou_2024"))
    kinds = ["value.percent_sign", "value.thousands", "file.named_sheet", "file.long_form", "file.declared_unit"]
    # seed 2 happens to draw each kind where it matters (thousands need values ≥ 1,000: 耕地 in 亩)
    write_demo_inbox(tmp_path / "clean", fw, [2024, 2025], seed=2)
    write_demo_inbox(tmp_path / "messy", fw, [2024, 2025], seed=2, defect_rate=1.0, defect_kinds=kinds)
    defects = json.loads((tmp_path / "messy" / "defects.json").read_text("utf-8"))
    written = {(d["file"].endswith(".xlsx"), d["kind"]) for d in defects}
    assert {(True, "value.percent_sign"), (True, "file.named_sheet"), (False, "file.long_form"),
            (False, "file.declared_unit")} <= written and "value.thousands" in {k for _, k in written}
    clean = _ingest_all(Home.resolve(tmp_path / "h1"), tmp_path / "clean", fw, validate=False)
    messy = _ingest_all(Home.resolve(tmp_path / "h2"), tmp_path / "messy", fw, validate=False)
    assert messy.keys() == clean.keys()
    for name, f in clean.items():
        assert messy[name]["obs"].keys() == f["obs"].keys(), name
        for key, (value, _) in f["obs"].items():
            assert messy[name]["obs"][key][0] == pytest.approx(value, rel=1e-9), (name, key)


@pytest.mark.parametrize("framework", ["ganzhou_2024", "green_development_2016", "eco_target_2016"])
def test_demo_data_can_be_written_for_every_shipped_framework(tmp_path, framework):
    fw = load_framework(framework_path(framework))
    write_demo_inbox(tmp_path / "inbox", fw, [2025])
    got = _ingest_all(Home.resolve(tmp_path / "home"), tmp_path / "inbox", fw, validate=False)
    con = connect(Home.resolve(tmp_path / "home").warehouse)
    assert rows(con, "SELECT count(*) FROM validation_result")[0][0] == 0  # no parse problem anywhere
    con.close()
    observed = {key[1] for f in got.values() for key in f["obs"]}
    assert observed == {i.code for i in fw.reported_items}  # indicators and supporting items (基础数据)
    for f in got.values():
        for (_, code), (value, _) in f["obs"].items():
            lo, hi = next(i.valid_range for i in fw.reported_items if i.code == code)
            assert value is not None and lo <= value <= hi
