"""The main job end to end, in real processes: `ecoassess run --demo` under a real Prefect server
(started and stopped here) with its artifacts, the deployments of prefect.yaml run by a worker, an
unchanged re-run that touches no file, two runs at once, a department's correction that re-renders
only what changed, rendering on a local Dask cluster, and the status/reports commands.

The tests share one home and run in file order (each builds on the state the previous left). The
Prefect server and the demo run are prepared in the background from the session's first test on
(tests/support/background.py), so this module runs last.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.support import background

PROJECT = Path(__file__).resolve().parents[2]
DEMO_INBOX = PROJECT / "data" / "demo" / "inbox"


def _env(home: Path, **extra: str) -> dict:
    """This environment without any Prefect setting (each run makes its own), plus `extra`."""
    return {k: v for k, v in background.BASE_ENV.items() if not k.startswith("PREFECT_")} | {
        "ECOASSESS_HOME": str(home), **extra}


def _cli(home: Path, *args: str, check: bool = True, **extra: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=PROJECT, env=_env(home, **extra),
                          capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def _sql(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql(sql, params=params).fetchall()
    finally:
        con.close()


def _snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    """Every file a run could write, except the warehouse (it records the run) and Prefect's state."""
    skip = {"warehouse.duckdb", "warehouse.duckdb.wal", ".run.lock"}
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")
            if p.is_file() and p.name not in skip and "prefect" not in p.relative_to(root).parts}


@pytest.fixture(scope="module")
def client(prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import flows  # noqa: F401  (configures Prefect before its first import)

    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        with get_client(sync_client=True) as c:
            yield c


def _demo_run(root: Path) -> tuple[Path, subprocess.CompletedProcess]:
    home = root / "home"
    home.mkdir()
    return home, _cli(home, "run", "--year", "2025", "--demo",
                      PREFECT_API_URL=background.result("prefect_server")["url"])


background.prepare("end_to_end_demo_run", {"demo_run"}, _demo_run)


@pytest.fixture(scope="module")
def demo_run(prefect_server) -> tuple[Path, subprocess.CompletedProcess]:
    """The demo year, run by the CLI against the real server (the session's; started in the
    background at the first test of the session, see tests/support/background.py)."""
    return background.result("end_to_end_demo_run")


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
    assert "documents rendered this run: 69 of 69" in proc.stdout


def test_warehouse_holds_versions_results_and_vetoes(demo_run):
    home, _ = demo_run
    # 13 departments × 5 years, the 2025 events file and the cadre roster, all accepted
    assert _sql(home, "SELECT count(*), count(*) FILTER (status = 'accepted') FROM submission") == [(67, 67)]
    formats = {r[0] for r in _sql(home, "SELECT coalesce(encoding, 'xlsx') FROM submission")}
    assert formats == {"utf-8-sig", "gb18030", "xlsx"}  # BOM CSV, GBK CSV and Excel all ingested
    run_id, status = _sql(home, "SELECT run_id, status FROM run")[0]
    assert status == "succeeded"
    per_year = dict(_sql(home, "SELECT year, count(*) FROM result WHERE run_id = ? GROUP BY year", [run_id]))
    assert per_year == {2024: 18, 2025: 18}  # the year before is scored alongside, for the changes
    vetoed = dict(_sql(home, "SELECT g.name, list(h.rule_id ORDER BY h.rule_id) FROM veto_hit h "
                             "JOIN region g USING (region_code) GROUP BY g.name"))
    assert "VETO-EVENT" in vetoed["寻乌县"] and "VETO-FARMLAND" in vetoed["定南县"]
    grades = dict(_sql(home, "SELECT g.name, r.grade FROM result r JOIN region g USING (region_code) "
                             "WHERE r.year = 2025"))
    assert grades["寻乌县"] == grades["定南县"] == "不合格"


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


def test_every_demo_pdf_is_typeset_tagged_and_says_its_data_is_invented(demo_run):
    """Issue 19 on the real demo output: no half-width punctuation after a Chinese character in the
    extracted text of any PDF (GB/T 15834); the synthetic notice, decided from the demo's files and
    regions.csv, on every one; tagged PDFs; the bulletin's tables as bulletin.xlsx, linked from the index."""
    import re

    home, _ = demo_run
    reports = home / "reports" / "2025"
    half = re.compile(r"[\u4e00-\u9fff][,;:()!?]|[(][\u4e00-\u9fff]")
    found, unmarked = {}, []
    pdfs = sorted(reports.rglob("*.pdf"))
    assert len(pdfs) == 69
    for pdf in pdfs:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        hits = [text[max(0, m.start() - 10):m.end() + 10] for m in half.finditer(text)]
        if hits:
            found[pdf.name] = hits[:3]
        if "演示用虚构数据" not in text or "份报送文件标注为演示用虚构数据" not in re.sub(r"\s+", "", text):
            unmarked.append(pdf.name)
    assert found == {} and unmarked == []
    for pdf in (reports / "bulletin.pdf", reports / "county" / "360734.pdf"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Tagged:\s+yes", info, re.M), info
    manifest = json.loads((reports / "manifest.json").read_text("utf-8"))
    assert manifest["synthetic"] is True
    bulletin = next(e for e in manifest["reports"] if e["kind"] == "bulletin")
    assert bulletin["xlsx"] == "bulletin.xlsx" and (reports / "bulletin.xlsx").read_bytes().startswith(b"PK")
    assert 'href="bulletin.xlsx"' in (reports / "index.html").read_text("utf-8")


def test_run_history_links_the_prefect_run_and_its_artifacts(demo_run, client):
    from uuid import UUID

    home, _ = demo_run
    ((run_id, flow_run_id, fingerprints, timings, counts),) = _sql(
        home, "SELECT run_id, prefect_flow_run_id, fingerprints, stage_timings, stage_counts FROM run")
    assert set(json.loads(fingerprints)) == {"submissions", "framework", "config", "code", "inputs"}
    stages = ["ingest", "validate", "fingerprint", "score", "veto", "attribute", "report"]
    assert list(json.loads(timings)) == stages and list(json.loads(counts)) == stages
    assert json.loads(counts)["ingest"]["new_files"] == 67

    flow_run = client.read_flow_run(UUID(flow_run_id))
    assert flow_run.state.is_completed() and flow_run.parameters["year"] == 2025
    assert flow_run.name == "2025年度考核"  # what the office reads in the UI
    artifacts = {a.key: a for a in client.read_artifacts() if a.flow_run_id == flow_run.id}
    assert set(artifacts) == {"assessment-summary", "validation-by-department", "validation-submissions", "ranking",
                              "reports"}
    assert f"({(home / 'reports' / '2025' / 'index.html').as_uri()})" in artifacts["reports"].data  # a link
    assert str(home / "reports" / "2025") in artifacts["reports"].description
    summary = artifacts["assessment-summary"].data
    for phrase in (run_id, "等级分布", "一票否决", "寻乌县", "失败与退回", "本次生成 / rendered 69"):
        assert phrase in summary, phrase
    by_department = json.loads(artifacts["validation-by-department"].data)
    assert len(by_department) == _sql(home, "SELECT count(*) FROM department")[0][0]
    assert sum(r["通过"] for r in by_department) == \
        _sql(home, "SELECT count(*) FROM submission WHERE year = 2025 AND status = 'accepted'")[0][0] == 15
    assert len(json.loads(artifacts["validation-submissions"].data)) == 15
    ranking = json.loads(artifacts["ranking"].data)
    assert [r["排名"] for r in ranking] == list(range(1, 19))
    vetoes = {r["县(市、区)"]: r["一票否决"] for r in ranking}
    assert vetoes["寻乌县"] == "发生重大生态环境事件" and vetoes["章贡区"] == "—"

    # a CLI run's stage lines and validation progress are in the UI's log of the run, in Chinese
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    logs = [entry.message for entry in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id])))]
    assert "接收报送: 开始" in logs and any(m.startswith("数据审核: 完成, 用时") for m in logs)
    assert any(m.startswith("数据审核: 第 1/67 个文件, 市") for m in logs) and \
        any(m.startswith("数据审核: 第 67/67 个文件") for m in logs)
    tasks = {t.name.rsplit("-", 1)[0] for t in client.read_task_runs() if t.flow_run_id == flow_run.id}
    assert {"接收报送", "数据审核", "计分", "一票否决", "干部归责"} <= tasks

    # the report stage fanned out: a publish_reports subflow with render task runs (chunks of documents)
    subflows = [r for r in client.read_flow_runs() if r.parent_task_run_id and r.name != flow_run.name
                and client.read_task_run(r.parent_task_run_id).flow_run_id == flow_run.id]  # this run's only
    publish = [r for r in subflows if client.read_flow(r.flow_id).name == "publish_reports"]
    assert len(publish) == 1
    renders = [t for t in client.read_task_runs() if t.flow_run_id == publish[0].id and t.name.startswith("生成报告")]
    assert len(renders) >= 2 and all(t.state.is_completed() for t in renders)


def test_the_documented_prefect_commands_send_no_analytics(prefect_server, client):
    """The session's server was started as the README says (`prefect server start` in the project folder,
    no analytics variable set): prefect.toml turned its analytics off, and a client there (deploy, a
    worker) reads the same setting and asks this server, which says no."""
    assert client.request("GET", "/admin/settings").json()["server"]["analytics_enabled"] is False
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    shown = subprocess.run([sys.executable, "-m", "prefect", "config", "view", "--show-sources"], cwd=PROJECT, env=env,
                           capture_output=True, text=True, timeout=120).stdout
    assert "PREFECT_SERVER_ANALYTICS_ENABLED='False' (from prefect.toml)" in shown


def test_deployments_are_created_and_a_worker_runs_one(demo_run, prefect_server, client, tmp_path):
    home, _ = demo_run
    env = _env(home, PREFECT_API_URL=prefect_server, PREFECT_HOME=str(tmp_path / "prefect"),
               ECOASSESS_PROJECT_DIR=str(PROJECT), ECOASSESS_INBOX=str(DEMO_INBOX), PYTHONPATH=str(PROJECT))
    prefect = [sys.executable, "-m", "prefect"]
    for cmd in (["work-pool", "create", "ecoassess", "--type", "process"], ["--no-prompt", "deploy", "--all"]):
        done = subprocess.run(prefect + cmd, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    deployments = {d.name: d for d in client.read_deployments()}
    assert set(deployments) == {"annual-assessment-manual", "annual-assessment-yearly", "revalidate-department",
                                "rerender"}
    yearly = deployments["annual-assessment-yearly"]
    assert [(s.schedule.cron, s.schedule.timezone) for s in yearly.schedules] == [("0 6 15 3 *", "Asia/Shanghai")]
    assert deployments["annual-assessment-manual"].parameters["inbox"] == str(DEMO_INBOX)

    assert all(d.global_concurrency_limit.limit == 1 and d.concurrency_options.collision_strategy == "ENQUEUE"
               for d in deployments.values())  # runs of a deployment queue instead of failing on the home
    run_form = deployments["annual-assessment-manual"].parameter_openapi_schema["properties"]
    assert run_form["year"]["description"].startswith("考核年度") and "收件箱" in run_form["inbox"]["description"]

    # two runs of one deployment on one home, and a run with a missing inbox, for one worker
    manifest = home / "reports" / "2025" / "manifest.json"
    before = manifest.stat().st_mtime_ns
    first, second = (client.create_flow_run_from_deployment(deployments["rerender"].id, parameters={"year": 2025})
                     for _ in range(2))
    broken = client.create_flow_run_from_deployment(deployments["annual-assessment-manual"].id,
                                                    parameters={"inbox": str(tmp_path / "无此目录")})
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(prefect + ["worker", "start", "--pool", "ecoassess"], cwd=tmp_path, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True,
                              env=env | {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"})
    try:
        deadline = time.monotonic() + 600
        while not all(client.read_flow_run(r.id).state.is_final() for r in (first, second, broken)):
            assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        log.close()
    first, second, broken = (client.read_flow_run(r.id) for r in (first, second, broken))
    worker_log = (tmp_path / "worker.log").read_text()[-3000:]
    assert first.state.is_completed() and second.state.is_completed(), worker_log
    # whichever the worker offered second waited in Prefect's queue for the other to finish (it did not
    # fail on the home's lock)
    first, second = sorted((first, second), key=lambda r: r.start_time)
    assert "AwaitingConcurrencySlot" in {s.name for s in client.read_flow_run_states(second.id)}
    assert second.start_time >= first.end_time
    assert first.name == second.name == "2025年度报告重新生成"
    assert manifest.stat().st_mtime_ns == before  # nothing changed, so nothing was rewritten
    rerender_artifacts = {a.key: a for a in client.read_artifacts() if a.flow_run_id == first.id}
    assert set(rerender_artifacts) == {"rerender-summary", "reports"}
    assert "本次生成 / rendered: 0" in rerender_artifacts["rerender-summary"].data
    # a configuration error fails the run at once, in Chinese, with no task run (so nothing retried)
    assert broken.state.is_failed() and "收件箱不存在或不是目录" in broken.state.message, broken.state.message
    assert not [t for t in client.read_task_runs() if t.flow_run_id == broken.id]
    assert broken.total_run_time.total_seconds() < 30


def test_a_failed_run_notifies_the_office_on_its_webhook(demo_run, prefect_server, client):
    """`ecoassess notify-office --webhook` creates the automation; a failed run (rerender of a year
    without a run) makes the server POST the notice to a webhook on loopback."""
    import http.server
    import threading

    home, _ = demo_run
    received: list[dict] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{hook.server_address[1]}/kaohe"
        out = _cli(home, "notify-office", "--webhook", url, PREFECT_API_URL=prefect_server).stdout
        assert "已建立自动化规则" in out
        failed = _cli(home, "rerender", "--year", "1999", check=False, PREFECT_API_URL=prefect_server)
        assert failed.returncode != 0
        deadline = time.monotonic() + 120
        while not received and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(received) == 1, "no notification arrived"
        notice = received[0]
        assert notice["subject"] == "【生态文明建设考核】运行失败: 1999年度报告重新生成"
        assert "1999 年尚无成功的考核运行" in notice["body"] and "ecoassess status" in notice["body"]
    finally:
        from prefect.automations import Automation

        from flows.notify import AUTOMATION

        Automation.read(name=AUTOMATION).delete()  # later tests fail runs on purpose
        hook.shutdown()


def test_ecoassess_serve_runs_a_deployment_without_a_work_pool_and_the_portal_starts_one(
        demo_run, prefect_server, client, tmp_path, monkeypatch):
    """`ecoassess serve` on a copy of the demo home (the portal's run adds a run the later tests do not
    expect): a rerender created here, then the year's run started from the portal's office page code,
    which goes through the deployment `annual-assessment-manual` because a server is configured."""
    from flows.portal import runs
    from flows.portal.submissions import Portal
    from transforms.config.defaults import default_framework
    from transforms.portal.accounts import Account
    from transforms.portal.store import PortalDB
    from transforms.runtime.home import Home

    home = tmp_path / "home"
    shutil.copytree(demo_run[0], home, ignore=shutil.ignore_patterns(".run.lock", "prefect"))
    runs_before = _sql(home, "SELECT count(*) FROM run")[0][0]
    for deployment in client.read_deployments():  # serving and a work pool are alternatives: start clean
        client.delete_deployment(deployment.id)
    log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve"], cwd=PROJECT, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             env=_env(home, PREFECT_API_URL=prefect_server, PREFECT_HOME=str(tmp_path / "prefect")))
    try:
        deadline = time.monotonic() + 180
        while "Your deployments are being served" not in (tmp_path / "serve.log").read_text():
            assert serve.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.5)
        found = {d.name: d for d in client.read_deployments()}["rerender"]
        flow_run = client.create_flow_run_from_deployment(found.id, parameters={"year": 2025})
        while not (state := client.read_flow_run(flow_run.id).state).is_final():
            assert time.monotonic() < deadline + 300, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.5)
        assert state.is_completed(), (tmp_path / "serve.log").read_text()[-3000:]

        monkeypatch.setenv("PREFECT_API_URL", prefect_server)  # as the portal's service would be configured
        portal = Portal(Home.locate(home), DEMO_INBOX, default_framework(), PortalDB(Home.locate(home)))
        job = runs.start(portal, Account("office1", "office", None), "127.0.0.1", 2025)
        (started,) = [j for j in runs.jobs(portal) if j["id"] == job]
        assert started["prefect_flow_run_id"] and started["pid"] is None  # asked the server; no child of its own
        portal_run = client.read_flow_run(started["prefect_flow_run_id"])
        assert portal_run.deployment_id == {d.name: d for d in client.read_deployments()}[
            "annual-assessment-manual"].id
        assert portal_run.parameters == {"year": 2025, "framework": default_framework(),
                                        "inbox": str(DEMO_INBOX), "pdf": True}
        while (followed := next(j for j in runs.jobs(portal) if j["id"] == job))["status"] == "running":
            assert time.monotonic() < deadline + 600, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(1)
        assert (followed["status"], followed["status_label"]) == ("succeeded", "已完成"), \
            (tmp_path / "serve.log").read_text()[-3000:]
        # the served process ran it on its home: one more succeeded run, linked to that flow run
        assert _sql(home, "SELECT count(*) FROM run")[0][0] == runs_before + 1
        assert _sql(home, "SELECT status, prefect_flow_run_id FROM run ORDER BY started_at DESC LIMIT 1")[0] == \
            ("succeeded", str(portal_run.id))
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)
        log.close()


def test_rerun_unchanged_renders_nothing_and_touches_no_file(demo_run):
    """Without PREFECT_API_URL: the default, a temporary Prefect server."""
    home, _ = demo_run
    before = _snapshot(home)
    assert len(before) > 69 * 2 + 67  # reports, archive, validation results
    out = _cli(home, "run", "--year", "2025", "--demo").stdout
    assert "documents rendered this run: 0 of 69" in out and "inputs unchanged" in out
    assert _snapshot(home) == before  # not one file written, renamed or touched
    first, rerun = _sql(home, "SELECT run_id, scored_run_id, fingerprint, stage_counts FROM run ORDER BY started_at")
    assert rerun[1] == first[0] and rerun[2] == first[2]  # the same fingerprint: the first run's numbers stand
    assert list(json.loads(rerun[3])) == ["ingest", "validate", "fingerprint", "report"]  # nothing recomputed
    assert json.loads(rerun[3])["validate"] == []  # and nothing re-validated


def test_two_runs_at_once_second_stops_or_waits(demo_run, prefect_server):
    """Against the session's server: the temporary one each run would start is covered above."""
    home, _ = demo_run
    env = _env(home, PREFECT_API_URL=prefect_server)
    runs_before = _sql(home, "SELECT count(*) FROM run")[0][0]
    args = [sys.executable, "-m", "flows.cli", "run", "--year", "2025", "--demo"]
    first = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 60
    while f'"pid": {first.pid}' not in (home / ".run.lock").read_text("utf-8"):
        assert first.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.05)
    refused = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    waiting = subprocess.Popen(args + ["--wait"], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    out, err = refused.communicate(timeout=120)
    assert refused.returncode == 3, err
    assert "另一个评价考核任务" in err and f"进程 {first.pid}" in err and "--wait" in err
    out1, err1 = first.communicate(timeout=600)
    assert first.returncode == 0, err1[-3000:]
    out2, err2 = waiting.communicate(timeout=600)
    assert waiting.returncode == 0, err2[-3000:]
    assert "排队等待" in err2 and "succeeded" in out2  # it waited, then ran

    statuses = _sql(home, "SELECT status FROM run ORDER BY started_at")
    assert len(statuses) == runs_before + 2 and set(statuses) == {("succeeded",)}  # the refused one left no row
    reports = home / "reports" / "2025"
    assert not list(reports.rglob(".*"))  # no temporary or half-written file
    assert len(json.loads((reports / "manifest.json").read_text("utf-8"))["reports"]) == 69


def test_a_correction_revalidates_one_department_and_rerenders_only_what_changed(demo_run, prefect_server, tmp_path):
    import openpyxl

    home, _ = demo_run
    reports = home / "reports" / "2025"
    old_listing = json.loads((reports / "manifest.json").read_text("utf-8"))
    old_manifest = {(e["kind"], e["key"]): e for e in old_listing["reports"]}
    files = sorted(p for p in reports.rglob("*") if p.is_file())
    before = {p: p.stat().st_mtime_ns for p in files}
    per_submission = "SELECT submission_id, count(*) FROM validation_run GROUP BY ALL"
    validations = dict(_sql(home, per_submission))

    # 市林业局 corrects one county's 湿地保护率 (a value strictly inside the range, so min and max stay)
    inbox = tmp_path / "inbox"
    shutil.copytree(DEMO_INBOX, inbox)
    src = next((inbox / "2025" / "lyj").glob("*.xlsx"))
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    col = next(c.column for c in ws[2] if str(c.value).startswith("湿地保护率"))
    values = {r: ws.cell(row=r, column=col).value for r in range(3, 21)}
    row = next(r for r, v in values.items() if min(values.values()) < v < max(values.values()))
    code = str(ws.cell(row=row, column=1).value)
    ws.cell(row=row, column=col, value=values[row] + 0.5)
    wb.save(inbox / "2025" / "lyj" / "市林业局_2025年考核数据_更正.xlsx")
    out = _cli(home, "run", "--year", "2025", "--inbox", str(inbox), PREFECT_API_URL=prefect_server).stdout

    # only the new file was validated (its suites), and it is 市林业局's second version
    after = dict(_sql(home, per_submission))
    (new_id,) = set(after) - set(validations)
    assert {k: after[k] for k in validations} == validations  # no other file validated again
    assert _sql(home, "SELECT department, version FROM submission WHERE submission_id = ?", [new_id]) == [("lyj", 2)]
    # the files rewritten are exactly those of the documents whose content changed (+ the manifest)
    new_listing = json.loads((reports / "manifest.json").read_text("utf-8"))
    new_manifest = {(e["kind"], e["key"]): e for e in new_listing["reports"]}
    changed = {k for k, e in new_manifest.items() if e["content_sha256"] != old_manifest[k]["content_sha256"]}
    assert ("county", code) in changed and ("bulletin", "bulletin") in changed
    assert 2 <= len(changed) < len(new_manifest)
    # (the bulletin's tables, bulletin.xlsx, change with it)
    expected = {reports / new_manifest[k][f] for k in changed for f in ("html", "pdf", "xlsx") if new_manifest[k].get(f)} \
        | {reports / "manifest.json"}
    if new_listing["index"]["content_sha256"] != old_listing["index"]["content_sha256"]:
        expected.add(reports / new_listing["index"]["html"])  # the index page shows grades and ranks
    assert {p for p in files if p.stat().st_mtime_ns != before[p]} == expected
    assert f"documents rendered this run: {len(changed)} of 69" in out


def test_rendering_on_a_local_dask_cluster(demo_run):
    from distributed import Client, LocalCluster

    home, _ = demo_run
    reports = home / "reports" / "2025"
    gone = [reports / "bulletin.pdf", reports / "county" / "360702.pdf", reports / "county" / "360783.pdf"]
    for p in gone:
        p.unlink()
    kept = {p: p.stat().st_mtime_ns for p in reports.rglob("*.pdf")}
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as dask:
        worker_pids = set(dask.run(os.getpid).values())
        out = _cli(home, "rerender", "--year", "2025", "--dask-address", cluster.scheduler_address).stdout
    assert "rendered 3 of 69" in out
    pids = {int(p) for p in out.split("rendered by pids: ")[1].split()[0].split(",") if p}
    assert pids and pids <= worker_pids  # rendered by the cluster's worker processes
    for p in gone:
        assert p.read_bytes().startswith(b"%PDF")
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # the others were left alone


def test_a_failed_run_is_recorded_reported_and_exits_1(demo_run, prefect_server, client):
    from uuid import UUID

    home, _ = demo_run
    reports = home / "reports" / "2025"
    manifest_before = (reports / "manifest.json").stat().st_mtime_ns
    aside = reports.parent / "county-aside"
    (reports / "county").rename(aside)
    (reports / "county").write_text("a file where the county folder should be")  # rendering cannot write there
    try:
        proc = _cli(home, "run", "--year", "2025", "--demo", check=False, PREFECT_API_URL=prefect_server)
    finally:
        (reports / "county").unlink()
        aside.rename(reports / "county")
    assert proc.returncode == 1, proc.stderr[-3000:]
    message = [line for line in proc.stderr.splitlines() if line.startswith("无法写入报告目录")]
    assert len(message) == 1 and str(reports) in message[0], proc.stderr[-3000:]
    status, error, timings, flow_run_id = _sql(home, "SELECT status, error, stage_timings, prefect_flow_run_id "
                                                     "FROM run ORDER BY started_at DESC LIMIT 1")[0]
    assert status == "failed" and error.startswith("report: ReportOutputError") and "report" in json.loads(timings)
    assert (reports / "manifest.json").stat().st_mtime_ns == manifest_before  # still describes the files there

    assert client.read_flow_run(UUID(flow_run_id)).state.is_failed()
    summary = next(a for a in client.read_artifacts() if a.flow_run_id == UUID(flow_run_id)
                   and a.key == "assessment-summary").data
    assert "**failed**" in summary and "运行失败 / run failed: report:" in summary


def test_status_and_reports_commands(demo_run):
    home, _ = demo_run
    run_ids = [r[0] for r in _sql(home, "SELECT run_id FROM run")]
    out = _cli(home, "status", "--limit", "20").stdout
    assert all(r in out for r in run_ids) and "succeeded" in out
    first = _sql(home, "SELECT run_id, prefect_flow_run_id FROM run ORDER BY started_at LIMIT 1")[0]
    detail = _cli(home, "status", "--run", first[0]).stdout
    assert first[1] in detail and "fingerprints" in detail and "寻乌县" in detail

    listed = _cli(home, "reports", "--year", "2025", "--kind", "county").stdout
    assert listed.count("county/") == 18
    opened = _cli(home, "reports", "--year", "2025", "--open", "360734", BROWSER="true").stdout
    assert opened.strip() == str(home / "reports" / "2025" / "county" / "360734.pdf")
    assert _cli(home, "reports", "--year", "2025", "--open", "无此报告", check=False).returncode == 2
