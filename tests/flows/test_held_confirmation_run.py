"""强制上报 reaching the run: a held file (a veto or binding indicator's implausible change) that a
department sent anyway through the portal, with its explanation in `<inbox>/<year>/<department>/
.confirmations.json`, is confirmed by the run's validate stage, scored, and its explanation and the
confirming account are shown in the county report's data-quality section."""

from __future__ import annotations

import hashlib

import pytest
import yaml

from tests.support.mini import csv_bytes
from tests.support.validation import FOLDER, GOOD, ZRZYJ, contracts_framework
from transforms.config.framework import load_framework
from transforms.runtime.home import Home
from transforms.runtime.warehouse import connect, load_config, rows

# 乙县's 耕地保有量 11 -> 14 万亩 (+27 %, bound 2 %): binding indicator C, so the file is held
HELD = [ZRZYJ, "990001,甲县,10.1,8.1", "990002,乙县,14,9", "990003,丙县,12.1,10.1"]
REASON = "2025年完成耕地占补平衡核查，新增耕地3万亩已验收入库"


@pytest.fixture
def spec(mini_data, tmp_path, monkeypatch):
    """A RunSpec for 2025 on a fresh home with the mini framework and its data contracts."""
    from flows.stages import RunSpec

    path = mini_data / "frameworks" / "mini.yaml"
    path.write_text(yaml.safe_dump(contracts_framework(), allow_unicode=True), "utf-8")
    monkeypatch.setenv("ECOASSESS_DATA", str(mini_data))
    home = Home.resolve(tmp_path / "home")
    con = connect(home.warehouse)
    load_config(con, load_framework(path), path, mini_data)
    con.close()
    return RunSpec(home, "mini", 2025, tmp_path / "inbox")


def _deliver(spec, year: int, department: str, lines: list[str], name: str) -> bytes:
    folder = spec.inbox / str(year) / FOLDER.get(department, department)
    folder.mkdir(parents=True, exist_ok=True)
    raw = csv_bytes(lines)
    (folder / name).write_bytes(raw)
    return raw


def test_a_held_file_forced_through_the_portal_is_confirmed_scored_and_explained_in_the_county_report(spec):
    from flows import stages
    from report_templates.render import Renderer
    from transforms.portal.inbox import record_confirmation
    from transforms.reporting.context import build_contexts

    for dept, lines in GOOD[2024].items():
        _deliver(spec, 2024, dept, lines, f"{dept}_2024.csv")
    stages.ingest(spec)
    assert {o["status"] for o in stages.validate(spec)} == {"accepted"}
    for dept in ("lyj", "sthjj", "tenures"):
        _deliver(spec, 2025, dept, GOOD[2025][dept], f"{dept}_2025.csv")
    raw = _deliver(spec, 2025, "zrzyj", HELD, "资源局_2025.csv")

    # a run before the department's word: the file stays held, nothing confirmed
    stages.ingest(spec)
    held = {o["file_name"]: o for o in stages.validate(spec)}["资源局_2025.csv"]
    assert held["status"] == "held"

    # the portal's 强制上报 (transforms/portal/inbox.py) writes the explanation beside the file
    record_confirmation(spec.inbox, 2025, "zrzyj", hashlib.sha256(raw).hexdigest(),
                        {"file_name": "资源局_2025.csv", "reason": REASON, "person": "zrzyj_wang",
                         "at": "2026-01-08 10:00"})
    stages.ingest(spec)
    assert stages.validate(spec) == []  # nothing new to validate; the held one is confirmed all the same
    with connect(spec.home.warehouse) as con:
        assert rows(con, "SELECT status FROM submission WHERE submission_id = ?", [held["submission_id"]]) == \
            [("accepted",)]
        assert rows(con, "SELECT role, person, reason FROM confirmation") == [("department", "zrzyj_wang", REASON)]
    stages.ingest(spec)
    assert stages.validate(spec) == []  # a second run confirms nothing twice
    with connect(spec.home.warehouse) as con:
        assert rows(con, "SELECT count(*) FROM confirmation") == [(1,)]

    run_id = stages.start_run(spec, {}, None)
    stages.score(spec, run_id)
    stages.veto(spec, run_id)
    stages.attribute(spec, run_id)
    with connect(spec.home.warehouse) as con:
        # the confirmed value is the one scored
        assert rows(con, "SELECT value FROM score WHERE run_id = ? AND year = 2025 AND region_code = '990002' "
                         "AND indicator_code = 'C'", [run_id]) == [(14.0,)]
        docs = {(kind, key): ctx for kind, key, _, ctx in build_contexts(con, spec.framework, 2025, run_id)}
    yi, jia = docs[("county", "990002")], docs[("county", "990001")]
    [warning] = [w for w in yi["warnings"] if w["file_name"] == "资源局_2025.csv"]
    assert [(c["role"], c["person"], c["reason"]) for c in warning["confirmations"]] == \
        [("department", "zrzyj_wang", REASON)]
    assert not any(w["file_name"] == "资源局_2025.csv" for w in jia["warnings"])  # 甲县's values were fine
    html = Renderer(pdf=False).render_html("county", yi)
    quality = html[html.index('id="quality"'):html.index('id="quality-missing"')]
    assert "部门确认（强制上报）（zrzyj_wang，" in quality and REASON in quality
