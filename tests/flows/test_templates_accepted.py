"""The Excel templates of every kind of submission (indicator data, events, cadre roster), filled in as a
clerk would (values typed into the open cells, dates as Excel dates, the 填报人 block under the table),
are accepted by a real run: `ecoassess revalidate` (ingest + Great Expectations) against the session's
Prefect server. And what Excel enforces while typing: drop-downs from the validation suites' own lists,
date checks, the header locked and the input cells open, instructions without commands."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests.support import background
from transforms.config.framework import framework_path, load_framework
from transforms.intake.templates import submission_template
from transforms.intake.vocabulary import POSTS, SEVERITIES
from transforms.runtime.home import Home
from transforms.runtime.warehouse import load_config, open_warehouse

PROJECT = Path(__file__).resolve().parents[2]
DEMO = PROJECT / "data" / "demo" / "inbox" / "2025"
FILES = {("lyj", "indicators"): "市林业局_2025年考核数据.xlsx", ("sthjj", "events"): "生态环境事件_2025.xlsx",
         ("zzb", "tenures"): "领导干部任职情况_2025.xlsx"}


def _as_date(text: str | None):
    return datetime.combine(date.fromisoformat(text), datetime.min.time()) if text else None


def _sign(ws) -> None:
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "填报人：")
    ws.cell(row, 2, value="张三")
    ws.cell(row, 4, value="0797-8123456")
    ws.cell(row, 6, value=datetime(2026, 3, 2))


def _fill_indicators(ws) -> int:
    demo = openpyxl.load_workbook(DEMO / "lyj" / "市林业局_2025年考核数据.xlsx").worksheets[0]
    values = {str(r[0].value): [c.value for c in r] for r in demo.iter_rows(min_row=3) if r[0].value}
    headers = [c.value for c in demo[2]]
    for r in range(3, ws.max_row + 1):
        code = str(ws.cell(r, 1).value or "")
        for c in range(3, ws.max_column + 1):
            header = ws.cell(2, c).value
            if code in values and header in headers and header != "缺失原因说明":
                ws.cell(r, c, value=values[code][headers.index(header)])
    return len(values)


def _fill_rows(ws, rows: list[list]) -> int:
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value=value)
    return len(rows)


def _fill_events(ws) -> int:
    with open(DEMO / "sthjj" / "生态环境事件_2025.csv", encoding="utf-8-sig") as f:
        found = list(csv.DictReader(f.readlines()[1:]))
    return _fill_rows(ws, [[e["事件编号"], e["行政区划代码"], e["县(市、区)"], _as_date(e["事件日期"]), e["事件类型"],
                            e["严重程度"], e["事件描述"]] for e in found])


def _fill_tenures(ws) -> int:
    demo = openpyxl.load_workbook(DEMO / "zzb" / "领导干部任职情况_2025.xlsx").worksheets[0]
    rows = [[c.value for c in r] for r in demo.iter_rows(min_row=3) if r[0].value]
    for r in rows:
        r[6], r[7] = _as_date(r[6]), _as_date(r[7])
    return _fill_rows(ws, rows)


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("templates")
    home = Home.resolve(root / "home")
    fw_path = framework_path("ganzhou_2024")
    fw = load_framework(fw_path)
    counts = {}
    with open_warehouse(home) as con:
        load_config(con, fw, fw_path)
        for (dept, kind), name in FILES.items():
            path = submission_template(con, fw, dept, kind, 2025, root / "inbox" / "2025" / dept / name)
            wb = openpyxl.load_workbook(path)
            ws = wb.worksheets[0]
            counts[kind] = {"indicators": _fill_indicators, "events": _fill_events, "tenures": _fill_tenures}[kind](ws)
            _sign(ws)
            wb.save(path)
    return home.root, root / "inbox", counts


def test_templates_lock_the_header_and_check_while_typing(filled):
    _, inbox, _ = filled
    for (dept, kind), name in FILES.items():
        wb = openpyxl.load_workbook(inbox / "2025" / dept / name)
        ws = wb.worksheets[0]
        assert ws.protection.sheet, kind
        assert ws["A1"].protection.locked and ws["A2"].protection.locked and ws["C2"].protection.locked
        assert not ws["C3"].protection.locked  # an input cell
        guide = "\n".join(str(c.value) for c in wb["填报说明"]["A"])
        assert "ecoassess" not in guide and "共享目录" in guide and "审核报告" in guide, kind
        notes = [str(c.value) for c in ws["A"] if c.value and str(c.value).startswith("注：")]
        assert notes and "报送截止日期为2026年3月15日" in notes[0]  # the yearly run of prefect.yaml
        checks = {str(dv.sqref).split(":")[0][:1]: dv for dv in ws.data_validations.dataValidation}
        if kind == "events":  # 行政区划代码 B, 县 C, 事件日期 D, 事件类型 E, 严重程度 F
            assert {checks[c].type for c in "BCEF"} == {"list"} and checks["D"].type == "date"
            assert "DATE(2025,12,31)" == checks["D"].formula2
            options = wb["填报说明_选项"]
            assert [c.value for c in options["D"][1:] if c.value] == SEVERITIES
            assert "重特大突发环境事件" in [c.value for c in options["C"]]
        if kind == "tenures":  # 职务 C, 代码 D, 县 E, 单位 F, 开始 G, 结束 H, 代理 I
            assert {checks[c].type for c in "CDEFI"} == {"list"} and checks["G"].type == "date"
            assert checks["H"].type == "custom" and "H3>=G3" in checks["H"].formula1
            assert [c.value for c in wb["填报说明_选项"]["E"][1:] if c.value] == POSTS


def test_filled_templates_of_each_kind_are_accepted_by_a_run(filled, prefect_server):
    home, inbox, counts = filled
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_API_URL": prefect_server}
    for dept in ("lyj", "sthjj", "zzb"):
        done = subprocess.run([sys.executable, "-m", "flows.cli", "revalidate", dept, "--year", "2025", "--inbox",
                               str(inbox), "--home", str(home)], cwd=PROJECT, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.sql("SELECT department, kind, status FROM submission ORDER BY department").fetchall() == [
            ("lyj", "indicators", "accepted"), ("sthjj", "events", "accepted"), ("zzb", "tenures", "accepted")]
        assert con.execute("SELECT count(*) FROM event").fetchone()[0] == counts["events"]
        assert con.execute("SELECT count(*) FROM tenure").fetchone()[0] == counts["tenures"]
        assert con.execute("SELECT count(DISTINCT region_code) FROM observation").fetchone()[0] == counts["indicators"]
        assert con.execute("SELECT min(event_date) FROM event").fetchone()[0] == date(2025, 3, 18)
    finally:
        con.close()
