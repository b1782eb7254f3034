"""Shared fixtures: a tiny hand-checkable jurisdiction (3 counties, 3 indicators) in a real warehouse."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests import background
from transforms.config.framework import DATA_DIR, Framework, load_framework
from transforms.runtime.home import Home
from transforms.runtime.warehouse import connect, load_config

MINI_FRAMEWORK = {
    "id": "mini", "name": "测试指标体系", "jurisdiction": "990000", "years": [2024, 2026],
    "weight_classes": {"★": 3, "◆": 2, "○": 1},
    "assessment": {"target_points": 80, "index_points": 20},
    "grade_bands": [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 80}, {"grade": "合格", "min": 60},
                    {"grade": "不合格", "min": 0}],
    "categories": [{"code": "X", "name": "环境"}, {"code": "Y", "name": "资源"}],
    "indicators": [
        {"code": "A", "name": "森林覆盖率", "category": "X", "unit": "%", "direction": 1, "weight_class": "★",
         "target": {"op": ">=", "value": 50}, "valid_range": [0, 100], "department": "lyj"},
        {"code": "B", "name": "细颗粒物浓度", "category": "X", "unit": "μg/m³", "direction": -1, "weight_class": "◆",
         "target": {"op": "<=", "value": 20}, "valid_range": [0, 300], "department": "sthjj"},
        {"code": "C", "name": "耕地保有量", "category": "Y", "unit": "万亩", "direction": 1, "weight_class": "○",
         "binding": True, "target": {"op": ">=", "value": 10}, "valid_range": [0, 200], "department": "zrzyj"},
    ],
    "veto_rules": [
        {"id": "V-EVENT", "kind": "event", "name": "重大环境事件", "event_kinds": ["重特大突发环境事件"],
         "effect": "fail"},
        {"id": "V-LAND", "kind": "threshold", "name": "耕地低于红线", "indicator": "C", "effect": "fail"},
    ],
}
MINI_REGIONS = """region_code,name,parent_code,level,zone,synthetic_note
990000,测试市,,city,,
990001,甲县,990000,county,重点开发区,测试
990002,乙县,990000,county,农产品主产区,测试
990003,丙县,990000,county,重点生态功能区,测试
"""


def _start_prefect_server(state: Path) -> dict:
    """`prefect server start` on a free port with its own PREFECT_HOME (`state`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(state / "server.log", "w")
    # from the project folder, as the README says, so its prefect.toml turns analytics off (checked in
    # test_end_to_end); DO_NOT_TRACK is left out for the same reason
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"} | {
        "PREFECT_HOME": str(state), "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
        # automations fire within a second or two (the notification test waits for one)
        "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                             str(port)], cwd=Path(__file__).resolve().parent.parent, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    server = {"url": f"http://127.0.0.1:{port}/api", "proc": proc, "log": log}
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{server['url']}/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop_prefect_server(server)
            pytest.fail("prefect server did not start:\n" + (state / "server.log").read_text()[-3000:])
        time.sleep(0.5)


def _stop_prefect_server(server: dict) -> None:
    proc = server["proc"]
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    server["log"].close()


background.prepare("prefect_server", {"prefect_server"}, _start_prefect_server, _stop_prefect_server)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with tests that build on a background preparation (tests/background.py) run last, so
    the preparation overlaps with every other test; the order within each module stays."""
    late = {item.path for item in items if background.needed(set(getattr(item, "fixturenames", ())))}
    items.sort(key=lambda item: item.path in late)


@pytest.fixture(scope="session", autouse=True)
def _background_preparations(request, tmp_path_factory):
    """Start, at the first test, the preparations the selected tests use; release them at the end."""
    background.start_needed(tmp_path_factory, {name for item in request.session.items
                                               for name in getattr(item, "fixturenames", ())})
    yield
    background.close_all()


@pytest.fixture(scope="session")
def prefect_server() -> str:
    """The API URL of one real `prefect server` for the whole session (started in the background)."""
    return background.result("prefect_server")["url"]


@pytest.fixture
def mini_data(tmp_path: Path) -> Path:
    """A data/ folder with the mini framework, 3 counties and the real departments and units."""
    data = tmp_path / "data"
    (data / "frameworks").mkdir(parents=True)
    (data / "frameworks" / "mini.yaml").write_text(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True), "utf-8")
    (data / "regions.csv").write_text(MINI_REGIONS, "utf-8")
    shutil.copy(DATA_DIR / "departments.yaml", data / "departments.yaml")
    shutil.copy(DATA_DIR / "units.yaml", data / "units.yaml")
    return data


@pytest.fixture
def mini(mini_data: Path, tmp_path: Path):
    """(home, connection, framework) with config tables loaded."""
    path = mini_data / "frameworks" / "mini.yaml"
    fw: Framework = load_framework(path)
    home = Home.resolve(tmp_path / "home")
    con = connect(home.warehouse)
    load_config(con, fw, path, mini_data)
    yield home, con, fw
    con.close()


@pytest.fixture
def mini_spec(mini_data: Path, tmp_path: Path, monkeypatch):
    """A `pipeline.RunSpec` for 2025 on a fresh home with the mini framework loaded and the inbox
    `tmp_path/inbox` (not created), `ECOASSESS_DATA` pointing at the mini data, as a run has them."""
    from flows.stages import RunSpec

    monkeypatch.setenv("ECOASSESS_DATA", str(mini_data))
    path = mini_data / "frameworks" / "mini.yaml"
    home = Home.resolve(tmp_path / "home")
    con = connect(home.warehouse)
    load_config(con, load_framework(path), path, mini_data)
    con.close()
    return RunSpec(home, "mini", 2025, tmp_path / "inbox")


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


REGION_CODES = ["990001", "990002", "990003"]  # 甲 (重点开发区), 乙 (农产品主产区), 丙 (重点生态功能区)


def scored(data_dir: Path, doc: dict, values: dict[int, dict[str, list[float | None]]], *,
           targets: list[tuple[str, str, int, str, float]] = (), events: list[tuple[str, str, str, str]] = (),
           year: int = 2025, run_id: str = "t"):
    """Score `values` ({year: {indicator: [甲, 乙, 丙]}}, None = not reported) under the framework
    `doc` in a fresh in-memory warehouse with the real schema; returns (connection, framework).

    Observations go straight into an accepted submission per year (ingest has its own tests);
    `targets` are decomposed per-region targets (indicator, region, year, op, value), `events`
    (event_id, region, date, kind) an accepted events submission.
    """
    from transforms.scoring.score import score_year

    path = data_dir / "frameworks" / f"{doc['id']}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    if targets:
        (data_dir / "targets").mkdir(exist_ok=True)
        (data_dir / "targets" / f"{doc['id']}.csv").write_text(
            "framework,indicator,region_code,year,op,value,source\n"
            + "".join(f"{doc['id']},{i},{r},{y},{op},{v},测试\n" for i, r, y, op, v in targets), "utf-8")
    fw = load_framework(path)
    con = connect(Path(":memory:"))
    load_config(con, fw, path, data_dir)
    for y, table in values.items():
        con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) "
                    "VALUES (?, 'tjj', ?, 'indicators', 1, 'accepted')", [y, y])
        con.executemany("INSERT INTO observation (submission_id, region_code, indicator_code, year, value) "
                        "VALUES (?, ?, ?, ?, ?)", [[y, r, code, y, v] for code, vals in table.items()
                                                   for r, v in zip(REGION_CODES, vals) if v is not None])
    if events:
        con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) "
                    "VALUES (1, 'sthjj', ?, 'events', 1, 'accepted')", [year])
        con.executemany("INSERT INTO event (submission_id, event_id, region_code, event_date, kind, description) "
                        "VALUES (1, ?, ?, ?, ?, '测试事件')", [list(e) for e in events])
    score_year(con, fw, year, run_id)
    return con, fw
