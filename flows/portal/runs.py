"""The office starts the year's run from the portal and follows it.

With a Prefect server configured (PREFECT_API_URL), the run goes through the deployment
`annual_assessment/annual-assessment-manual` (a worker of the office's pool runs it; the portal
only asks and reads its state). Without one, the portal starts `ecoassess run` in a child process
of its own (`--wait`: queued behind a run that holds the home, never refused), with its output in a
log the office page shows. Either way the portal never opens the warehouse: the run does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from flows.portal.submissions import Portal, Refused
from transforms.portal.accounts import Account
from transforms.portal.store import now
from transforms.runtime.home import PROJECT_DIR, private_dir
from transforms.runtime.sql import statement

DEPLOYMENT = "annual_assessment/annual-assessment-manual"
STATUS = {"running": "运行中", "succeeded": "已完成", "failed": "失败", "queued": "已提交", "unknown": "状态未知"}


def start(portal: Portal, account: Account, address: str | None, year: int, pdf: bool = True) -> int:
    if year not in portal.years():
        raise Refused(f"年度 {year} 不在指标体系的考核年度内 / year out of range")
    if portal.db.one("SELECT id FROM job WHERE status IN ('running', 'queued') AND prefect_flow_run_id IS NULL"):
        raise Refused("已有一次由门户启动的运行尚未结束 / a run started from the portal is still going", 409)
    with portal.db.connect() as con:
        job = con.execute("INSERT INTO job (year, account, started_at, status) VALUES (?, ?, ?, 'queued') RETURNING id",
                          (year, account.name, now())).fetchone()[0]
    if os.environ.get("PREFECT_API_URL"):
        _through_deployment(portal, job, year, pdf)
    else:
        _in_worker_process(portal, job, year, pdf)
    portal.db.audit(account.name, address, "run", f"job #{job} year {year} pdf={pdf}")
    return job


def _through_deployment(portal: Portal, job: int, year: int, pdf: bool) -> None:
    from prefect.deployments import run_deployment

    flow_run = run_deployment(DEPLOYMENT, parameters={"year": year, "framework": portal.framework_id,
                                                      "inbox": str(portal.inbox), "pdf": pdf}, timeout=0)
    with portal.db.connect() as con:
        con.execute("UPDATE job SET prefect_flow_run_id = ?, status = 'running' WHERE id = ?", (str(flow_run.id), job))


def _in_worker_process(portal: Portal, job: int, year: int, pdf: bool) -> None:
    log = private_dir(portal.db.root / "runs") / f"{job:05d}.log"
    cmd = [sys.executable, "-m", "flows.cli", "run", "--year", str(year), "--framework", portal.framework_id,
           "--inbox", str(portal.inbox), "--home", str(portal.home.root), "--wait", "--pdf" if pdf else "--no-pdf"]
    out = open(log, "wb")
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    with portal.db.connect() as con:
        con.execute("UPDATE job SET pid = ?, log = ?, status = 'running' WHERE id = ?", (proc.pid, str(log), job))

    def wait() -> None:
        code = proc.wait()
        out.close()
        with portal.db.connect() as con:
            con.execute("UPDATE job SET status = ?, returncode = ?, finished_at = ? WHERE id = ?",
                        ("succeeded" if code == 0 else "failed", code, now(), job))

    threading.Thread(target=wait, daemon=True, name=f"run-{job}").start()


def jobs(portal: Portal, limit: int = 10) -> list[dict]:
    """The latest runs started from the portal, with state and the end of their log."""
    out = []
    for row in portal.db.all("SELECT * FROM job ORDER BY id DESC LIMIT ?", (limit,)):
        if row["prefect_flow_run_id"] and row["status"] == "running":
            row["status"] = _flow_run_state(row["prefect_flow_run_id"]) or row["status"]
        row["status_label"] = STATUS.get(row["status"], row["status"])
        log = Path(row["log"]) if row["log"] else None
        row["tail"] = _tail(log) if log and log.exists() else ""
        out.append(row)
    return out


def _flow_run_state(flow_run_id: str) -> str | None:
    try:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            state = client.read_flow_run(flow_run_id).state
    except Exception:
        return None
    if state is None or not state.is_final():
        return "running"
    return "succeeded" if state.is_completed() else "failed"


def _tail(log: Path, size: int = 4000) -> str:
    with open(log, "rb") as fh:
        fh.seek(max(0, log.stat().st_size - size))
        return fh.read().decode("utf-8", "replace")


def mark_lost(portal: Portal) -> None:
    """Jobs of a portal that was stopped: their process is gone or no longer ours to wait for."""
    with portal.db.connect() as con:
        con.execute(statement("portal/mark_lost_jobs"))
