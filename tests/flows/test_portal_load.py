"""The portal under load and when killed, as the real command on loopback: 50 concurrent uploads from
20 department accounts while the office's run is going (none lost, none duplicated, each archived once
with its steward report, the inbox holding each department's newest passed file); a portal killed
mid-upload or mid-check leaves nothing in the inbox, and says so to the department afterwards."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from tests.support.mini import csv_bytes
from tests.support.portal import GOOD, LYJ, ZRZYJ, ApiSession, Server

STHJJ = "行政区划代码,县(市、区),细颗粒物浓度(μg/m³)"
HEADERS = {"lyj": LYJ, "zrzyj": ZRZYJ, "sthjj": STHJJ}
ACCOUNTS = [(f"load{i:02d}", ("lyj", "zrzyj", "sthjj")[i % 3]) for i in range(20)]


def _copy(prepared: Path, root: Path) -> None:
    for part in ("data", "home", "inbox"):
        shutil.copytree(prepared / part, root / part, symlinks=True)


VALUES = {"lyj": (55, 60, 70), "zrzyj": (12, 15, 11), "sthjj": (30, 28, 25)}  # near 2024's: no change warning


def _body(dept: str, i: int) -> bytes:
    """Distinct bytes per upload; every fifth has an error (a value out of range)."""
    a, b, c = VALUES[dept]
    first = 999 if i % 5 == 4 else a + (i + 1) / 1000  # never all equal to 2024: that is a resend (issue 17)
    return csv_bytes([HEADERS[dept], f"990001,甲县,{first}", f"990002,乙县,{b}", f"990003,丙县,{c}"])


def _db(root: Path):
    from transforms.portal.store import PortalDB
    from transforms.runtime.home import Home

    return PortalDB(Home.locate(root / "home"))


def test_fifty_concurrent_uploads_while_a_run_is_going(prepared_portal, tmp_path, monkeypatch):
    from transforms.portal.accounts import add_account

    _copy(prepared_portal, tmp_path)
    monkeypatch.setenv("ECOASSESS_DATA", str(tmp_path / "data"))
    db = _db(tmp_path)
    for name, dept in ACCOUNTS:
        add_account(db, name, "department", dept, "load test password", {"lyj", "zrzyj", "sthjj"})
    with Server(tmp_path) as server:
        office = ApiSession(server.url, "office1")
        sessions = {name: ApiSession(server.url, name, "load test password") for name, _ in ACCOUNTS}
        started = office.post_form("/office/run", {"year": "2025", "csrf": office.csrf})
        assert started.status_code == 303, started.text
        uploads = [(ACCOUNTS[i % 20], i) for i in range(50)]
        first = time.time()

        def send(item):
            (name, dept), i = item
            return dept, i, sessions[name].submit(2025, "indicators", f"{dept}_{i:02d}.csv", _body(dept, i))

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(send, uploads))
        last = time.time()
        deadline = time.monotonic() + 600
        while (job := db.one("SELECT * FROM job"))["status"] in ("running", "queued") and time.monotonic() < deadline:
            time.sleep(2)
    assert all(r.status_code == 201 for _, _, r in answers), [r.text for _, _, r in answers if r.status_code != 201]
    assert job["status"] == "succeeded", Path(job["log"]).read_text()[-3000:]
    # the run was going while the uploads were answered
    run_started, run_finished = (time.mktime(time.strptime(job[k], "%Y-%m-%d %H:%M:%S"))
                                 for k in ("started_at", "finished_at"))
    assert run_started <= last and run_finished >= first

    rows = db.all("SELECT * FROM upload ORDER BY id")
    assert len(rows) == 50 and len({r["id"] for r in rows}) == 50
    sent = {hashlib.sha256(_body(dept, i)).hexdigest(): (dept, i) for dept, i, _ in answers}
    assert {r["sha256"] for r in rows} == set(sent)  # none lost, none duplicated
    for r in rows:  # each archived once, unchanged, with its steward report
        archive = Path(r["archive"])
        assert hashlib.sha256(archive.read_bytes()).hexdigest() == r["sha256"]
        assert (Path(r["report_dir"]) / "steward.json").exists() and (Path(r["report_dir"]) / "steward.html").exists()
        assert r["state"] == ("rejected" if sent[r["sha256"]][1] % 5 == 4 else "passed")
    archived = [p for p in (tmp_path / "home" / "portal" / "uploads").glob("*/*") if p.is_file()]
    assert len(archived) == 50
    # the inbox: one file per department, the newest passed upload's bytes
    inbox = sorted(p for p in (tmp_path / "inbox").rglob("*") if p.is_file())
    assert [p.parent.name for p in inbox] == sorted(HEADERS)
    for p in inbox:
        newest = max((r for r in rows if r["department"] == p.parent.name and r["state"] == "passed"),
                     key=lambda r: r["id"])
        assert p.read_bytes() == Path(newest["archive"]).read_bytes()
    # what the run received from the inbox was always a whole, checked upload
    con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True)
    received = {sha for (sha,) in con.sql("SELECT sha256 FROM submission WHERE year = 2025").fetchall()}
    con.close()
    assert received <= {r["sha256"] for r in rows if r["state"] == "passed"}


def test_a_portal_killed_mid_upload_or_mid_check_leaves_nothing_in_the_inbox(prepared_portal, tmp_path, monkeypatch):
    _copy(prepared_portal, tmp_path)
    monkeypatch.setenv("ECOASSESS_DATA", str(tmp_path / "data"))
    inbox = tmp_path / "inbox"
    with Server(tmp_path) as server:
        session = ApiSession(server.url, "lyj1")
        # 1. killed while the body is still arriving
        body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n" + GOOD * 40000
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall((f"POST /api/submissions HTTP/1.1\r\nHost: x\r\nCookie: {session.cookie}\r\n"
                       f"X-CSRF-Token: {session.csrf}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                       f"Content-Length: {len(body) + 100}\r\n\r\n").encode() + body[:len(body) // 2])
            time.sleep(1)
            server.kill()
    assert [p for p in inbox.rglob("*") if p.is_file()] == []
    with Server(tmp_path) as server:
        session = ApiSession(server.url, "lyj1")
        # 2. killed while the file is being checked (archived already, not placed)
        thread = threading.Thread(target=lambda: _ignore(lambda: session.submit(2025, "indicators", "x.csv", GOOD)))
        thread.start()
        db = _db(tmp_path)
        deadline = time.monotonic() + 120
        while not db.one("SELECT id FROM upload WHERE state = 'checking' AND archive IS NOT NULL"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.kill()
        thread.join()
    assert [p for p in inbox.rglob("*") if p.is_file()] == []
    with Server(tmp_path) as server:  # restarted: the department is told, and sends again
        session = ApiSession(server.url, "lyj1")
        listed = session.get("/api/submissions", params={"year": 2025}).json()["submissions"]
        assert [(u["state"], u["status"]) for u in listed] == [("interrupted", "已退回")]
        assert "重新上传" in listed[0]["findings"][0]["rule"]
        assert session.submit(2025, "indicators", "x.csv", GOOD).json()["status"] == "已通过"
    assert [p.read_bytes() for p in inbox.rglob("*") if p.is_file()] == [GOOD]


def _ignore(call) -> None:
    try:
        call()
    except Exception:  # the server was killed under it
        pass
