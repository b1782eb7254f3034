"""Helpers for the portal's tests (fixtures `prepared_portal`, `portal_env` in tests/flows/conftest.py):
a portal on the mini jurisdiction: a home whose 2024 files were received and validated by the
real stages, which then left their snapshot; accounts of every role; helpers to log in and upload.

Pages are driven through FastAPI's TestClient on https://testserver (the session cookie is Secure:
a client keeps it for https only, as a browser does); the load, fault and browser tests run a real
uvicorn on loopback instead (tests/flows/portal/server.py).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.mini import MINI_FRAMEWORK, MINI_REGIONS, csv_bytes
from transforms.config.framework import DATA_DIR

PASSWORD = "correct horse battery"
LYJ = "行政区划代码,县(市、区),森林覆盖率(%)"
ZRZYJ = "行政区划代码,县(市、区),耕地保有量(万亩)"
GOOD_2024 = {"lyj": [LYJ, "990001,甲县,55", "990002,乙县,60", "990003,丙县,70"],
             "zrzyj": [ZRZYJ, "990001,甲县,12", "990002,乙县,15", "990003,丙县,11"]}
# 2025: good, with an error (150 % forest cover), with a warning only (a value missing, its reason given)
GOOD = csv_bytes([LYJ, "990001,甲县,56", "990002,乙县,61", "990003,丙县,71"])
BAD = csv_bytes([LYJ, "990001,甲县,56", "990002,乙县,61", "990003,丙县,150"])
WARN = csv_bytes([LYJ + ",缺失原因说明", "990001,甲县,56,", "990002,乙县,61,", "990003,丙县,,林地调查数据尚未发布"])
ACCOUNTS = {"lyj1": ("department", "lyj"), "zrzyj1": ("department", "zrzyj"), "office1": ("office", None),
            "reviewer1": ("reviewer", None)}


def portal_data(root: Path) -> Path:
    """data/ with the mini framework and the committed departments, units and portal.yaml."""
    data = root / "data"
    (data / "frameworks").mkdir(parents=True)
    (data / "frameworks" / "mini.yaml").write_text(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True), "utf-8")
    (data / "regions.csv").write_text(MINI_REGIONS, "utf-8")
    for name in ("departments.yaml", "units.yaml", "portal.yaml"):
        shutil.copy(DATA_DIR / name, data / name)
    return data


def prepare_home(root: Path) -> tuple[Path, Path]:
    """(home, inbox): 2024 received and validated by the run's stages, the snapshot left; accounts."""
    from flows.stages import RunSpec, ingest, leave_snapshot, validate
    from transforms.config.framework import framework_path
    from transforms.portal.accounts import add_account
    from transforms.portal.store import PortalDB
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import load_config, open_warehouse

    inbox = root / "inbox"
    for dept, lines in GOOD_2024.items():
        (inbox / "2024" / dept).mkdir(parents=True)
        (inbox / "2024" / dept / f"{dept}_2024.csv").write_bytes(csv_bytes(lines))
    spec = RunSpec(Home.resolve(root / "home"), "mini", 2024, inbox)
    with open_warehouse(spec.home) as con:  # as `start_run` does
        load_config(con, spec.framework, framework_path("mini"))
    ingest(spec)
    assert [o["status"] for o in validate(spec)] == ["accepted", "accepted"]
    leave_snapshot(spec)
    for f in (inbox / "2024").rglob("*.csv"):
        f.unlink()  # the portal's inbox starts empty for the year under test
    db = PortalDB(spec.home)
    for name, (role, dept) in ACCOUNTS.items():
        add_account(db, name, role, dept, PASSWORD, {"lyj", "zrzyj", "sthjj"})
    return spec.home.root, inbox


@dataclass
class PortalEnv:
    home: Path
    inbox: Path
    portal: object
    app: object


def client(env: PortalEnv):
    from fastapi.testclient import TestClient

    return TestClient(env.app, base_url="https://testserver", follow_redirects=True)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(c, name: str, password: str = PASSWORD):
    """Log in through the form as a browser does; returns the landing page."""
    c.get("/login")
    return c.post("/login", data={"name": name, "password": password, "csrf": c.cookies.get("ecoassess_login")})


def upload(c, page_html: str, body: bytes, name: str = "林业局_2025.csv", kind: str = "indicators", year: int = 2025):
    return c.post("/department/upload", data={"csrf": csrf_of(page_html), "year": str(year), "kind": kind},
                  files={"file": (name, body, "text/csv")})


def inbox_files(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.rglob("*") if p.is_file())


class Server:
    """`ecoassess portal` in its own process group on a free loopback port (the real command, uvicorn
    and its check workers); `kill()` is SIGKILL to the group, as a crash would be."""

    def __init__(self, root: Path, workers: int = 2) -> None:
        self.root, self.workers = root, workers

    def __enter__(self) -> "Server":
        import socket
        import subprocess
        import sys
        import time
        import urllib.request

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(self.root / f"portal-{self.port}.log", "wb")
        from tests.support.background import BASE_ENV

        # the session's environment as it began: importing flows in the test process set PREFECT_HOME
        # for the default home, which the portal (and the run it starts) would otherwise inherit
        env = {k: v for k, v in BASE_ENV.items() if not k.startswith(("PREFECT_", "ECOASSESS_"))} | {
            "ECOASSESS_DATA": str(self.root / "data"), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "portal", "--home", str(self.root / "home"), "--inbox",
             str(self.root / "inbox"), "--framework", "mini", "--port", str(self.port), "--workers", str(self.workers)],
            cwd=Path(__file__).resolve().parents[2], env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2):
                    return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError("portal did not start:\n" + (self.root / f"portal-{self.port}.log").read_text())
                time.sleep(0.3)

    def kill(self, sig=None) -> None:
        import os
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig or signal.SIGKILL)
        self.proc.wait(timeout=30)
        if sig is None or sig == signal.SIGKILL:
            return
        self.log.close()

    def __exit__(self, *exc) -> None:
        import signal

        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
        self.log.close()


class ApiSession:
    """A script's session over plain HTTP on loopback: the Secure session cookie is carried by hand
    (a cookie jar keeps Secure cookies for https only; behind the office's proxy it is https)."""

    def __init__(self, url: str, name: str, password: str = PASSWORD) -> None:
        import httpx

        self.http = httpx.Client(base_url=url, timeout=600)
        r = self.http.post("/api/login", json={"name": name, "password": password})
        r.raise_for_status()
        self.csrf = r.json()["csrf"]
        self.cookie = r.headers["set-cookie"].split(";")[0]

    def headers(self) -> dict:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}

    def submit(self, year: int, kind: str, name: str, body: bytes) -> "httpx.Response":  # noqa: F821
        return self.http.post("/api/submissions", data={"year": str(year), "kind": kind},
                              files={"file": (name, body, "text/csv")}, headers=self.headers())

    def get(self, path: str, **kw):
        return self.http.get(path, headers=self.headers(), **kw)

    def post_form(self, path: str, data: dict):
        return self.http.post(path, data=data, headers=self.headers())
