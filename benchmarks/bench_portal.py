"""How long a department waits for the portal's answer to one upload: `POST /api/submissions` of a
typical department file to the real `ecoassess portal` on loopback, timed from the first byte sent
to the steward report received, repeated; median and p95. Not collected by pytest.

    python -m benchmarks.bench_portal                        # 市林业局's demo workbook, 20 uploads
    python -m benchmarks.bench_portal --department slj --repeat 40 --concurrency 2

It makes a scratch home under var/bench/portal/: last year's file of the department received and
validated by the run's stages, the snapshot left (so the check compares with last year, as in
production), one department account; then it starts the portal (2 check workers), uploads once to
warm the workers (not counted) and measures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from transforms.config.defaults import default_framework
from transforms.runtime.home import PROJECT_DIR

DEMO = PROJECT_DIR / "data" / "demo" / "inbox"
PASSWORD = "benchmark password"


def prepare(root: Path, department: str, year: int, framework: str) -> None:
    from flows.stages import RunSpec, ingest, leave_snapshot, validate
    from transforms.config.framework import framework_path
    from transforms.portal.accounts import add_account
    from transforms.portal.store import PortalDB
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import load_config, open_warehouse

    shutil.rmtree(root, ignore_errors=True)
    last = root / "last-year"
    shutil.copytree(DEMO / str(year - 1) / department, last / str(year - 1) / department)
    spec = RunSpec(Home.resolve(root / "home"), framework, year - 1, last)
    with open_warehouse(spec.home) as con:
        load_config(con, spec.framework, framework_path(framework))
    ingest(spec)
    validate(spec)
    leave_snapshot(spec)
    add_account(PortalDB(spec.home), "bench", "department", department, PASSWORD, {department})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--department", default="lyj")
    ap.add_argument("--year", type=int, default=None, help="default: the demo data's newest year")
    ap.add_argument("--framework", default=None, help="default: data/defaults.yaml")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=1, help="uploads in flight at once")
    args = ap.parse_args()
    args.year = args.year or max(int(p.name) for p in DEMO.iterdir() if p.name.isdigit())
    args.framework = args.framework or default_framework()
    import httpx

    root = PROJECT_DIR / "var" / "bench" / "portal"
    prepare(root, args.department, args.year, args.framework)
    (file,) = sorted((DEMO / str(args.year) / args.department).iterdir())[:1]
    body = file.read_bytes()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(root / "portal.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "flows.cli", "portal", "--home", str(root / "home"),
                               "--framework", args.framework, "--port", str(port), "--workers", "2"],
                              cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
        for _ in range(600):
            try:
                http.get("/login")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        login = http.post("/api/login", json={"name": "bench", "password": PASSWORD})
        headers = {"Cookie": login.headers["set-cookie"].split(";")[0], "X-CSRF-Token": login.json()["csrf"]}

        def upload(_: int) -> tuple[float, str]:
            t = time.perf_counter()
            r = http.post("/api/submissions", data={"year": str(args.year), "kind": "indicators"},
                          files={"file": (file.name, body)}, headers=headers)
            r.raise_for_status()
            return time.perf_counter() - t, r.json()["status"]

        warm, status = upload(0)
        with ThreadPoolExecutor(args.concurrency) as pool:
            times = sorted(t for t, _ in pool.map(upload, range(args.repeat)))
    finally:
        os.killpg(server.pid, 15)
        server.wait()
        log.close()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"file: {file.name} ({len(body):,} bytes), department {args.department}, answer {status}")
    print(f"first upload (workers warming, not counted): {warm:.2f} s")
    print(f"{args.repeat} uploads, {args.concurrency} at a time: median {statistics.median(times):.2f} s, "
          f"p95 {p95:.2f} s, min {times[0]:.2f} s, max {times[-1]:.2f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
