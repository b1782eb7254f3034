"""The main job end to end: the `ecoassess run --demo` command, its Prefect flow, warehouse and PDFs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"ECOASSESS_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--year", "2025", "--demo"], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return home, proc


def test_manifest_lists_every_county_cadre_and_the_bulletin(demo_run):
    home, proc = demo_run
    manifest = json.loads((home / "reports" / "2025" / "manifest.json").read_text("utf-8"))
    kinds = [e["kind"] for e in manifest["reports"]]
    assert kinds.count("bulletin") == 1 and kinds.count("county") == 18
    # 36 county leaders + 1 appointed mid-year (the transferred one once) + 13 department heads
    assert kinds.count("cadre") == 50
    for e in manifest["reports"]:
        assert (home / "reports" / "2025" / e["html"]).stat().st_size > 1000
        assert (home / "reports" / "2025" / e["pdf"]).read_bytes().startswith(b"%PDF")
    index = (home / "reports" / "2025" / manifest["index"]["html"]).read_text("utf-8")
    assert all(f'href="{e["html"]}"' in index for e in manifest["reports"] if e["kind"] != "bulletin")
    # personal data: nothing under the reports folder is readable by others
    assert all(p.stat().st_mode & 0o007 == 0 for p in (home / "reports").rglob("*"))
    assert str(home / "reports" / "2025") in proc.stdout


def test_warehouse_holds_versions_results_and_vetoes(demo_run):
    home, _ = demo_run
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        # 13 departments × 5 years, the 2025 events file and the cadre roster, all accepted
        assert con.sql("SELECT count(*), count(*) FILTER (status = 'accepted') FROM submission").fetchall() == [(67, 67)]
        formats = {r[0] for r in con.sql("SELECT coalesce(encoding, 'xlsx') FROM submission").fetchall()}
        assert formats == {"utf-8-sig", "gb18030", "xlsx"}  # BOM CSV, GBK CSV and Excel all ingested
        run_id, status = con.sql("SELECT run_id, status FROM run").fetchall()[0]
        assert status == "succeeded"
        per_year = dict(con.sql("SELECT year, count(*) FROM result WHERE run_id = ? GROUP BY year",
                                params=[run_id]).fetchall())
        assert per_year == {2024: 18, 2025: 18}  # the year before is scored alongside, for the changes
        vetoed = dict(con.sql("SELECT g.name, list(h.rule_id ORDER BY h.rule_id) FROM veto_hit h "
                              "JOIN region g USING (region_code) GROUP BY g.name").fetchall())
        assert "VETO-EVENT" in vetoed["寻乌县"] and "VETO-FARMLAND" in vetoed["定南县"]
        grades = dict(con.sql("SELECT g.name, r.grade FROM result r JOIN region g USING (region_code) "
                              "WHERE r.year = 2025").fetchall())
        assert grades["寻乌县"] == grades["定南县"] == "不合格"
    finally:
        con.close()


def test_county_pdf_has_selectable_chinese_and_embedded_font(demo_run):
    home, _ = demo_run
    pdf = home / "reports" / "2025" / "county" / "360734.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for phrase in ("寻乌县", "一票否决", "重特大突发环境事件", "演示用虚构数据", "森林覆盖率"):
        assert phrase in text, phrase
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert embedded and all("Noto-Sans-CJK-SC" in name for name in embedded), fonts  # one family, nothing else
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts.splitlines()[2:])  # emb sub uni
    assert "\ufffd" not in text  # no replacement characters


def _run(home: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"ECOASSESS_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--year", "2025", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_rerun_unchanged_renders_nothing_and_a_correction_only_what_changed(demo_run, tmp_path):
    import shutil

    import openpyxl

    home, _ = demo_run
    reports = home / "reports" / "2025"
    files = sorted(p for p in reports.rglob("*") if p.is_file())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    out = _run(home, "--demo")
    assert "documents rendered this run: 0" in out and "inputs unchanged" in out
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files} == before  # not one file touched

    # 市林业局 corrects one county's 湿地保护率 (a value strictly inside the range, so min and max stay)
    inbox = tmp_path / "inbox"
    shutil.copytree(PROJECT / "data" / "demo" / "inbox", inbox)
    src = next((inbox / "2025" / "lyj").glob("*.xlsx"))
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    col = next(c.column for c in ws[2] if str(c.value).startswith("湿地保护率"))
    values = {r: ws.cell(row=r, column=col).value for r in range(3, 21)}
    row = next(r for r, v in values.items() if min(values.values()) < v < max(values.values()))
    code = str(ws.cell(row=row, column=1).value)
    ws.cell(row=row, column=col, value=values[row] + 0.5)
    wb.save(inbox / "2025" / "lyj" / "市林业局_2025年考核数据_更正.xlsx")
    out = _run(home, "--inbox", str(inbox))
    rendered = int(out.split("documents rendered this run: ")[1].split()[0])
    assert 2 <= rendered < len(json.loads((reports / "manifest.json").read_text("utf-8"))["reports"])
    assert (reports / "county" / f"{code}.pdf").stat().st_mtime_ns > before[reports / "county" / f"{code}.pdf"][0]
    untouched = [p for p in files if p.suffix == ".pdf" and p.stat().st_mtime_ns == before[p][0]]
    assert untouched  # documents whose content did not change keep their files
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.sql("SELECT max(version) FROM current_submission WHERE department = 'lyj' AND year = 2025"
                       ).fetchall()[0][0] == 2
    finally:
        con.close()
