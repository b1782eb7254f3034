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

from tests.support import background
from tests.support.mini import MINI_FRAMEWORK, MINI_REGIONS
from tests.support.validation import contracts_framework
from transforms.config.framework import DATA_DIR, Framework, load_framework
from transforms.runtime.home import Home
from transforms.runtime.warehouse import connect, load_config


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
        # automations on (the notification test waits for one); a queued deployment run is offered again
        # after 2 s instead of 30 (the queueing test)
        "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "true",
        "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "2"}
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
    """Modules with tests that build on a background preparation (tests/support/background.py) run last, so
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


@pytest.fixture
def cmini(mini_data: Path, tmp_path: Path):
    """(home, connection, framework) of the mini jurisdiction with the data contracts above."""
    path = mini_data / "frameworks" / "mini.yaml"
    path.write_text(yaml.safe_dump(contracts_framework(), allow_unicode=True), "utf-8")
    fw = load_framework(path)
    home = Home.resolve(tmp_path / "home")
    con = connect(home.warehouse)
    load_config(con, fw, path, mini_data)
    yield home, con, fw
    con.close()
