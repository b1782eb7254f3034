"""Provenance decides the synthetic-data notice (issue 19): a run on a real-looking configuration and
inbox (nothing in regions.csv or the files says they are invented) prints no notice in any report, the
index page, the manifest or the Prefect artifacts; the demo's data says it is invented and gets it
(test_end_to_end checks the demo's documents). `provenance` itself is checked on a warehouse."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import background
from tests.support.mini import MINI_FRAMEWORK, MINI_REGIONS, REGION_CODES, csv_bytes
from transforms.config.provenance import SYNTHETIC_MARK

PROJECT = Path(__file__).resolve().parents[2]
NOTICE = ("虚构", "演示", "不代表真实情况", "synthetic")
FILES = {  # department → (header, values for 甲, 乙, 丙): the mini framework's three indicators
    "lyj": ("森林覆盖率(%)", [40, 55, 62]),
    "sthjj": ("细颗粒物浓度(μg/m³)", [28, 31, 19]),
    "zrzyj": ("耕地保有量(万亩)", [12, 15, 11]),
}


def _real_run(root: Path) -> dict:
    """The mini framework with regions.csv notes removed and plain department files, run by the CLI
    against the session's Prefect server."""
    import shutil

    import yaml

    from transforms.config.framework import DATA_DIR

    data = root / "data"
    (data / "frameworks").mkdir(parents=True)
    (data / "frameworks" / "mini.yaml").write_text(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True), "utf-8")
    (data / "regions.csv").write_text(re.sub(r",测试$", ",", MINI_REGIONS, flags=re.M), "utf-8")
    shutil.copy(DATA_DIR / "departments.yaml", data / "departments.yaml")
    shutil.copy(DATA_DIR / "units.yaml", data / "units.yaml")
    for year in (2024, 2025):
        for dept, (header, values) in FILES.items():
            folder = root / "inbox" / str(year) / dept
            folder.mkdir(parents=True)
            rows = [f"{code},{name},{v + (year - 2025)}" for code, name, v in zip(REGION_CODES, "甲县 乙县 丙县".split(), values)]
            (folder / f"{dept}_{year}.csv").write_bytes(csv_bytes([f"行政区划代码,县(市、区),{header}", *rows]))
    home = root / "home"
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_API_URL": background.result("prefect_server")["url"]}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--year", "2025", "--framework", "mini",
                           "--inbox", str(root / "inbox"), "--data", str(data), "--home", str(home)],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return {"home": home, "stdout": proc.stdout}


background.prepare("real_run", {"real_run"}, _real_run)


@pytest.fixture(scope="module")
def real_run(prefect_server) -> dict:
    return background.result("real_run")


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_a_real_configuration_gets_no_synthetic_notice_anywhere(real_run):
    reports = real_run["home"] / "reports" / "2025"
    manifest = json.loads((reports / "manifest.json").read_text("utf-8"))
    assert manifest["synthetic"] is False
    pages = sorted(reports.rglob("*.html"))
    pdfs = sorted(reports.rglob("*.pdf"))
    assert len(pages) == len(manifest["reports"]) + 1 >= 4 and len(pdfs) == len(manifest["reports"])  # + index
    for page in pages:
        body = page.read_text("utf-8").split("</style>")[-1]  # the inline stylesheet names the classes
        assert 'class="synthetic' not in body and 'class="run-synthetic' not in body, page
        assert not [w for w in NOTICE[:3] if w in body], page
    for pdf in pdfs:
        text = _pdf_text(pdf)
        assert not [w for w in NOTICE[:3] if w in text], pdf


def test_a_real_configuration_gets_no_notice_in_the_prefect_artifacts(real_run, prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import flows  # noqa: F401  (configures Prefect before its first import)

    run_id = re.search(r"run (\S+) succeeded", real_run["stdout"]).group(1)
    import duckdb

    con = duckdb.connect(str(real_run["home"] / "warehouse.duckdb"), read_only=True)
    flow_run_id = con.sql("SELECT prefect_flow_run_id FROM run WHERE run_id = ?", params=[run_id]).fetchall()[0][0]
    con.close()
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        with get_client(sync_client=True) as client:
            artifacts = [a for a in client.read_artifacts() if str(a.flow_run_id) == str(flow_run_id)]
    assert {a.key for a in artifacts} >= {"assessment-summary", "ranking"}
    for a in artifacts:
        text = json.dumps(a.data, ensure_ascii=False) if not isinstance(a.data, str) else a.data
        assert not [w for w in NOTICE if w in text + (a.description or "")], a.key


def test_provenance_reads_the_regions_and_the_files_used(mini):
    from transforms.reporting.context import provenance, synthetic_note

    _home, con, fw = mini  # MINI_REGIONS: every county's synthetic_note is "测试"
    assert provenance(con, fw, 2025, "r") == ["区划配置注明：测试"]
    con.execute("UPDATE region SET synthetic_note = NULL")
    assert provenance(con, fw, 2025, "r") == []  # nothing says so: no notice, whatever the data looks like
    con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) "
                "VALUES (7, 'lyj', 2025, 'indicators', 1, 'accepted'), (8, 'lyj', 2024, 'indicators', 1, 'accepted')")
    con.execute("INSERT INTO declaration VALUES (8, 1, '标题', ?)", [f"2024年填报表（{SYNTHETIC_MARK}）"])
    assert provenance(con, fw, 2025, "r") == []  # another year's file is not this run's data
    con.execute("INSERT INTO declaration VALUES (7, 1, '标题', ?)", [f"2025年填报表（{SYNTHETIC_MARK}）"])
    reasons = provenance(con, fw, 2025, "r")
    assert reasons == [f"1份报送文件标注为{SYNTHETIC_MARK}"]
    assert synthetic_note(reasons).startswith(f"本报告所用数据含{SYNTHETIC_MARK}（1份报送文件")
