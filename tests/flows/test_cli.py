"""The command line as a user bringing their own framework meets it: a run given its home only by
`--home` (from another folder, with its own HOME and TMPDIR) writes nothing outside that home,
Prefect's database included, and ends with the ranking; `results` prints the ranking as a table,
CSV or JSON; every command's `--help` reads whole at 80 columns."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from rich.cells import cell_len
from typer.testing import CliRunner

from flows import cli
from tests.support import background
from tests.support.mini import MINI_FRAMEWORK, MINI_REGIONS, csv_bytes
from transforms.config.framework import DATA_DIR

PROJECT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache"}
# 甲 乙 丙: efficacy on 3 counties. A 55/45/70, B 30/18/15 (−), C 12/9/20; 乙 misses the land red line (veto)
FILES = {"lyj": ("森林覆盖率(%)", [55, 45, 70]), "sthjj": ("细颗粒物浓度(μg/m³)", [30, 18, 15]),
         "zrzyj": ("耕地保有量(万亩)", [12, 9, 20])}


def _files(root: Path) -> dict[Path, int]:
    """Every file under `root` with its mtime, outside version control, the venv and bytecode caches."""
    found = {}
    for p in root.rglob("*"):
        if SKIPPED_DIRS.isdisjoint(p.relative_to(root).parts) and p.is_file():
            found[p] = p.stat().st_mtime_ns
    return found


def _home_flag_run(root: Path) -> dict:
    """The mini framework run by the CLI with `--home` alone: no ECOASSESS_* or PREFECT_* variable, from
    an empty working folder, with HOME and TMPDIR of its own; what changed in the project folder."""
    data, inbox = root / "data", root / "inbox"
    (data / "frameworks").mkdir(parents=True)
    (data / "frameworks" / "mini.yaml").write_text(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True), "utf-8")
    (data / "regions.csv").write_text(MINI_REGIONS, "utf-8")
    for name in ("departments.yaml", "units.yaml"):
        shutil.copy(DATA_DIR / name, data / name)
    for dept, (header, values) in FILES.items():
        (inbox / "2025" / dept).mkdir(parents=True)
        (inbox / "2025" / dept / f"{dept}_2025.csv").write_bytes(csv_bytes(
            ["行政区划代码,县(市、区)," + header]
            + [f"{code},{name},{v}" for code, name, v in zip(("990001", "990002", "990003"), ("甲县", "乙县", "丙县"), values)]))
    places = {name: root / name for name in ("cwd", "user", "tmp")}
    for place in places.values():
        place.mkdir()
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith(("PREFECT_", "ECOASSESS_"))} | {
        "HOME": str(places["user"]), "TMPDIR": str(places["tmp"]), "PYTHONPATH": str(PROJECT),
        # a loaded machine (shared test runs) can take Prefect's temporary server past its 90 s default
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600"}
    before = _files(PROJECT)
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--year", "2025", "--framework", "mini",
                           "--data", str(data), "--inbox", str(inbox), "--no-pdf", "--home", str(root / "home")],
                          cwd=places["cwd"], env=env, capture_output=True, text=True, timeout=900)
    after = _files(PROJECT)
    return {"home": root / "home", "data": data, "proc": proc, "places": places,
            "project_changes": sorted(str(p) for p in after.keys() | before.keys() if after.get(p) != before.get(p))}


background.prepare("home_flag_run", {"home_flag_run"}, _home_flag_run)


@pytest.fixture(scope="module")
def home_flag_run() -> dict:
    run = background.result("home_flag_run")
    assert run["proc"].returncode == 0, run["proc"].stdout[-2000:] + run["proc"].stderr[-3000:]
    return run


def test_a_run_given_only_the_home_flag_writes_everything_under_it(home_flag_run):
    home = home_flag_run["home"]
    assert (home / "prefect" / "prefect.db").is_file()  # Prefect's own state follows --home
    assert (home / "warehouse.duckdb").is_file() and (home / "reports" / "2025" / "manifest.json").is_file()
    assert home_flag_run["project_changes"] == []  # nothing in var/ or anywhere in the project folder
    for name, place in home_flag_run["places"].items():  # the working folder, the user's home, TMPDIR
        assert [str(p) for p in place.rglob("*")] == [], name


def test_run_ends_with_the_ranking(home_flag_run):
    out = home_flag_run["proc"].stdout
    table = out[out.index("2025年度排名 / ranking: mini"):]
    rows = [line for line in table.splitlines() if re.search(r"[甲乙丙]县", line)]
    assert [re.search(r"[甲乙丙]县", r).group(0) for r in rows] == ["丙县", "乙县", "甲县"]
    assert "耕地低于红线" in rows[1] and "不合格" in rows[1]


def _results(home: Path, *args: str, monkeypatch) -> str:
    monkeypatch.setenv("ECOASSESS_HOME", "unset")  # restored after the test (the CLI sets both for --home)
    monkeypatch.setenv("PREFECT_HOME", "unset")
    got = CliRunner().invoke(cli.app, ["results", "--home", str(home), *args])
    assert got.exit_code == 0, got.output
    return got.stdout


def test_results_prints_the_ranking_as_a_table_csv_and_json(home_flag_run, monkeypatch):
    home = home_flag_run["home"]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        expected = {r[0]: r[1:] for r in con.sql(
            "SELECT g.name, r.rank, round(r.gdi, 2), r.assessment_score, r.grade, r.vetoed, "
            "CAST(round(r.rank_p05) AS INTEGER), CAST(round(r.rank_p95) AS INTEGER) "
            "FROM result r JOIN region g USING (region_code) WHERE r.year = 2025").fetchall()}
    finally:
        con.close()
    table = _results(home, "--year", "2025", monkeypatch=monkeypatch)
    for name, (rank, gdi, score, grade, _, lo, hi) in expected.items():
        line = next(line for line in table.splitlines() if name in line)
        assert re.search(rf"\b{rank}\b.*{name}.*{gdi:.2f}.*{lo}–{hi}.*{score:.2f}.*{grade}", line), line
    rows = list(csv.DictReader(io.StringIO(_results(home, "--format", "csv", monkeypatch=monkeypatch))))
    assert list(rows[0]) == ["rank", "region_code", "county", "index", "rank_p05", "rank_p95", "assessment_score",
                             "grade", "vetoed", "veto_rules"]
    assert [r["county"] for r in rows] == sorted(expected, key=lambda n: expected[n][0])
    assert {r["county"]: (r["vetoed"], r["veto_rules"]) for r in rows}["乙县"] == ("true", "耕地低于红线")
    doc = json.loads(_results(home, "--format", "json", "--framework", "mini", monkeypatch=monkeypatch))
    assert (doc["year"], doc["framework"]) == (2025, "mini")
    assert {c["county"]: (c["rank"], c["index"], c["grade"]) for c in doc["counties"]} == {
        n: (e[0], e[1], e[3]) for n, e in expected.items()}
    monkeypatch.setenv("ECOASSESS_HOME", "unset")
    monkeypatch.setenv("PREFECT_HOME", "unset")
    missing = CliRunner().invoke(cli.app, ["results", "--home", str(home), "--year", "2019"])
    assert missing.exit_code == 2 and "2019" in missing.output
    assert CliRunner().invoke(cli.app, ["results", "--home", str(home), "--format", "xml"]).exit_code == 2
    nowhere = home.parent / "no-such-home"
    assert CliRunner().invoke(cli.app, ["results", "--home", str(nowhere)]).exit_code == 2 and not nowhere.exists()


def test_a_long_ranking_shows_its_top_and_bottom(home_flag_run, monkeypatch, capsys):
    monkeypatch.setenv("ECOASSESS_HOME", str(home_flag_run["home"]))
    cli._show_ranking(2025, None, "table", top=1)
    out = capsys.readouterr().out
    assert "丙县" in out and "甲县" in out and "乙县" not in out and "略去1个 / 1 more" in out
    assert "ecoassess results --year 2025" in out


# ---------------------------------------------------------------- help at 80 columns
COMMANDS = sorted(cli.typer.main.get_command(cli.app).commands)
WORD = re.compile(r"[A-Za-z0-9$_][A-Za-z0-9$_./:=<>*-]*[A-Za-z0-9$_/>*]")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_reads_whole_at_80_columns(command):
    """No line wider than 80 cells, none cut with an ellipsis, and every word of the command's and its
    options' help text whole in the output (a word split over two lines would be missing)."""
    click_command = cli.typer.main.get_command(cli.app)
    args = [command, "--help"] if command else ["--help"]
    got = CliRunner().invoke(cli.app, args, env={"COLUMNS": "80", "TERMINAL_WIDTH": None})
    assert got.exit_code == 0, got.output
    lines = got.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert not [line for line in lines if "…" in line]
    target = click_command.commands[command] if command else click_command
    texts = [target.help or ""] + [p.help or "" for p in target.params]
    shown = set(WORD.findall(got.stdout.replace("│", " ")))
    missing = {w for text in texts for w in WORD.findall(text)} - shown
    assert not missing, (missing, got.stdout)


# ---------------------------------------------------------------- Prefect's home, however the home is given
# (that Prefect reads it, and writes its database there, is shown by the run above)
PROBE = """
import os, sys
from pathlib import Path
from flows import cli
if len(sys.argv) > 1:
    cli._set_home(Path(sys.argv[1]))  # what every command does with --home, before Prefect is imported
print(os.environ.get("ECOASSESS_HOME", "-"), os.environ["PREFECT_HOME"])
"""


@pytest.mark.parametrize("given", ["flag", "environment", "default"])
def test_prefect_state_follows_the_home_however_it_is_given(given, tmp_path):
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith(("PREFECT_", "ECOASSESS_"))}
    args = [str(tmp_path / "h")] if given == "flag" else []
    if given == "environment":
        env["ECOASSESS_HOME"] = str(tmp_path / "h")
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=PROJECT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    home = tmp_path / "h" if given != "default" else PROJECT / "var"
    assert out == ["-" if given == "default" else str(home), str(home / "prefect")]
