"""The CLI, the flows and the deployments take their defaults from the one source (data/defaults.yaml
and `default_year`): change the source and the defaults follow; no framework id or year is written
into flows/, the other packages or prefect.yaml."""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import flows.annual_assessment as aa
from flows.cli import app
from transforms.config.defaults import DATA_DIR, FILE

PROJECT = Path(__file__).resolve().parents[2]
FRAMEWORK_IDS = sorted(p.stem for p in (DATA_DIR / "frameworks").glob("*.yaml"))
YEAR = re.compile(r"\b(19|20)\d\d\b")


@pytest.fixture
def other_defaults(tmp_path, monkeypatch) -> Path:
    """A copy of data/ whose defaults.yaml names another framework, and a default year of 1999:
    whatever a command or flow uses by default must be these."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("demo"))
    doc = yaml.safe_load((data / FILE).read_text("utf-8"))
    doc["framework"] = "from_defaults_file"
    (data / FILE).write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    monkeypatch.setenv("ECOASSESS_DATA", str(data))
    monkeypatch.setenv("ECOASSESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PREFECT_HOME", os.environ["PREFECT_HOME"])  # set by `import flows`; --home changes it
    monkeypatch.setattr("transforms.config.defaults.default_year", lambda today=None: 1999)
    monkeypatch.setattr(aa, "default_year", lambda today=None: 1999)  # imported by name into the flows module
    return data


def test_cli_defaults_come_from_the_source(other_defaults, tmp_path):
    cli = CliRunner()
    out = cli.invoke(app, ["run", "--home", str(tmp_path / "home"), "--data", str(other_defaults)])
    assert out.exit_code == 2 and "未找到指标体系 'from_defaults_file'" in out.output, out.output
    out = cli.invoke(app, ["reports", "--home", str(tmp_path / "home")])
    assert out.exit_code == 2 and "请先运行 ecoassess run --year 1999" in out.output, out.output
    out = cli.invoke(app, ["template", "lyj", "--home", str(tmp_path / "home"), "--out", str(tmp_path / "t.xlsx")])
    assert out.exit_code != 0 and "'from_defaults_file'" in str(out.exception or out.output)


class Stop(Exception):
    pass


def test_run_demo_without_a_year_takes_the_demo_datas_newest(tmp_path, monkeypatch):
    """The demo data is of fixed years: `run --demo` assesses its newest, not last year (1999 here)."""
    from flows.cli import DEMO_INBOX

    monkeypatch.setenv("ECOASSESS_HOME", str(tmp_path / "home"))  # --home sets both for the process
    monkeypatch.setenv("PREFECT_HOME", os.environ["PREFECT_HOME"])
    monkeypatch.setattr("transforms.config.defaults.default_year", lambda today=None: 1999)
    called = []

    def flow(**kwargs):
        called.append(kwargs)
        raise Stop

    monkeypatch.setattr(aa, "annual_assessment", flow)
    out = CliRunner().invoke(app, ["run", "--demo", "--home", str(tmp_path / "home")])
    assert out.exit_code == 1 and "Stop" in out.output, out.output
    newest = max(int(p.name) for p in DEMO_INBOX.iterdir() if p.name.isdigit())
    assert [(c["year"], c["framework"]) for c in called] == [(newest, yaml.safe_load(
        (DATA_DIR / FILE).read_text("utf-8"))["framework"])]


@pytest.mark.parametrize("flow, args", [(aa.annual_assessment, {}), (aa.rerender, {}),
                                        (aa.revalidate_department, {"department": "lyj"})])
def test_flow_defaults_come_from_the_source(other_defaults, monkeypatch, flow, args):
    """Each flow, called without year and framework (as the deployments do), builds its run for the
    source's framework and the default year; the spec is caught as it is made, before any stage."""
    made = []

    def spec(home, framework, year, inbox):
        made.append((framework, year))
        raise Stop

    monkeypatch.setattr(aa, "RunSpec", spec)
    with pytest.raises(Stop):
        flow.fn(**args)
    assert made == [("from_defaults_file", 1999)]


def _literal_defaults(path: Path) -> list[str]:
    """Framework ids anywhere in the module's strings, and years given as defaults: function
    parameters, typer options and arguments, argparse `default=`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"{path.name}:{node.lineno}: {fid}" for fid in FRAMEWORK_IDS if fid in node.value]
        defaults: list[ast.expr | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defaults = node.args.defaults + node.args.kw_defaults
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            defaults = node.args[:1] if name in ("Option", "Argument") else []
            defaults += [k.value for k in node.keywords if k.arg == "default"]
        for d in defaults:
            for c in ast.walk(d) if d is not None else ():
                if isinstance(c, ast.Constant) and isinstance(c.value, (int, str)) and YEAR.fullmatch(str(c.value)):
                    found.append(f"{path.name}:{c.lineno}: year {c.value}")
                elif isinstance(c, ast.Constant) and isinstance(c.value, str) and YEAR.search(c.value):
                    found.append(f"{path.name}:{c.lineno}: years {c.value!r}")
    return found


def test_no_framework_id_or_year_is_written_into_the_code():
    paths = [p for package in ("flows", "transforms", "expectations", "report_templates", "benchmarks")
             for p in (PROJECT / package).rglob("*.py")]
    found = [f for p in paths for f in _literal_defaults(p)
             if not (p.name == "run.py" and p.parent.name == "benchmarks" and "year" not in f)]  # its list of all three
    assert found == []


def test_the_deployments_name_no_year_or_framework():
    text = (PROJECT / "prefect.yaml").read_text("utf-8")
    config = yaml.safe_load(text)
    for entry in config["deployments"]:
        assert not {"year", "framework"} & set(entry.get("parameters") or {}), entry["name"]
    assert not any(YEAR.search(line.split("#")[0]) for line in text.splitlines() if "prefect-version" not in line)
    assert not any(fid in text for fid in FRAMEWORK_IDS)
