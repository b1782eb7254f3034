"""Orchestration pieces that need no Prefect server: the run lock across real processes, rendering
on a process pool, stage fingerprints, the deployments of prefect.yaml, the retry rule."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from flows.publish import plan, relative_paths, render_jobs, render_pooled, write_manifest
from report_templates.render import RENDERING_GC_THRESHOLD, collect_less_often
from tests.support.report_contexts import CONTEXTS
from transforms.runtime.home import Home
from transforms.runtime.lock import RunLocked, exclusive, holder

PROJECT = Path(__file__).resolve().parents[2]

HOLD = """
import sys
from transforms.runtime.home import Home
from transforms.runtime.lock import exclusive
with exclusive(Home.resolve(sys.argv[1]), what="annual_assessment 2025"):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def held_home(tmp_path):
    """A home whose lock another process holds until the test writes a line to it."""
    home = Home.resolve(tmp_path / "home")
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(home.root)], cwd=PROJECT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    yield home, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_second_run_stops_at_once_naming_the_holder(held_home):
    home, proc = held_home
    t0 = time.monotonic()
    with pytest.raises(RunLocked) as caught:
        with exclusive(home, what="run 2025"):
            pytest.fail("the lock was granted twice")
    assert time.monotonic() - t0 < 2
    message = str(caught.value)
    assert "另一个评价考核任务" in message and f"进程 {proc.pid}" in message and "--wait" in message
    assert holder(home)["what"] == "annual_assessment 2025"


def test_a_waiting_run_starts_when_the_first_ends(held_home):
    home, proc = held_home
    events: list[str] = []

    def second() -> None:
        with exclusive(home, what="run 2025", wait=True, on_wait=lambda info: events.append(f"wait {info['pid']}")):
            events.append("acquired")

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1.0)
    assert events == [f"wait {proc.pid}"]  # waiting, not running
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(timeout=30)
    thread.join(timeout=30)
    assert events == [f"wait {proc.pid}", "acquired"]
    assert holder(home)["pid"] == os.getpid()


def test_the_lock_is_reentrant_within_a_process_only(tmp_path):
    home = Home.resolve(tmp_path / "home")
    with exclusive(home, what="cli"):
        with exclusive(home, what="flow"):  # the CLI holds it, then the flow takes it again
            pass
        probe = subprocess.run([sys.executable, "-c", "import sys; from transforms.runtime.home import Home; "
                                "from transforms.runtime.lock import exclusive\n"
                                "try:\n  with exclusive(Home.resolve(sys.argv[1])): sys.exit(0)\n"
                                "except RuntimeError: sys.exit(3)", str(home.root)], cwd=PROJECT)
        assert probe.returncode == 3
    with exclusive(home):
        pass  # released after the outer block


def test_pool_renders_the_same_documents_as_one_process(tmp_path):
    docs = [(kind, kind.upper(), CONTEXTS[kind]()["doc"]["title"], CONTEXTS[kind]())
            for kind in ("bulletin", "county", "cadre")]
    one, pool = tmp_path / "one", tmp_path / "pool"
    p1 = plan(docs, one, "run-1", 2025, "fw")
    assert len(p1.jobs) == 3 and all(j.previous is None for j in p1.jobs)  # no files yet: all written
    write_manifest(p1, [render_jobs(p1.jobs)])
    p2 = plan(docs, pool, "run-1", 2025, "fw")
    results = render_pooled(p2.jobs, workers=2)
    write_manifest(p2, results)

    assert sum(r["rendered"] for r in results) == 3
    assert os.getpid() not in {r["pid"] for r in results}  # rendered in worker processes
    for rel in ("bulletin.html", "county/COUNTY.html", "cadre/CADRE.html"):
        assert (pool / rel).read_bytes() == (one / rel).read_bytes()
        assert (pool / rel).with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    assert not [p for p in pool.rglob(".*")]  # no temporary file left behind
    assert (pool / "manifest.json").read_bytes() == (one / "manifest.json").read_bytes()

    files = {p: p.stat().st_mtime_ns for p in pool.rglob("*") if p.is_file()}
    again = plan(docs, pool, "run-1", 2025, "fw")  # a re-run that reuses run-1's numbers
    done = render_jobs(again.jobs)
    assert done["rendered"] == 0 and done["documents"] == 3  # same content: nothing written
    write_manifest(again, [done])
    assert {p: p.stat().st_mtime_ns for p in pool.rglob("*") if p.is_file()} == files  # not even the manifest
    newer = plan(docs, pool, "run-2", 2025, "fw")  # new numbers that read the same
    newer_done = render_jobs(newer.jobs)
    write_manifest(newer, [newer_done])
    assert newer_done["rendered"] == 0 and [e["run_id"] for e in newer.manifest["reports"]] == ["run-1"] * 3
    touched = {p for p in pool.rglob("*") if p.is_file() and p.stat().st_mtime_ns != files[p]}
    assert touched == {pool / "manifest.json"}  # the manifest names run-2; the documents stay

    changed = docs[:2] + [(docs[2][0], docs[2][1], docs[2][2], docs[2][3] | {"doc": docs[2][3]["doc"] | {
        "title": docs[2][3]["doc"]["title"] + "（更正）"}})]
    third = plan(changed, pool, "run-3", 2025, "fw")
    third_done = render_jobs(third.jobs)
    write_manifest(third, [third_done])
    assert third_done["rendered"] == 1  # only the document whose page changed
    assert [e["run_id"] for e in third.manifest["reports"]] == ["run-1", "run-1", "run-3"]
    assert "（更正）" in (pool / relative_paths(docs[2][0], docs[2][1])[0]).read_text("utf-8")


def test_a_rendering_process_collects_garbage_less_often(tmp_path):
    """render_jobs raises the collector's young-generation threshold (WeasyPrint's box trees, see
    `collect_less_often`); a process that already collects less often keeps its own setting."""
    docs = [("cadre", "CADRE", "t", CONTEXTS["cadre"]())]
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        done = render_jobs(plan(docs, tmp_path, "run-1", 2025, "fw", pdf=False).jobs)
        assert done["rendered"] == 1 and gc.get_threshold() == (RENDERING_GC_THRESHOLD, 10, 10)
        gc.set_threshold(50_000, 5, 5)
        collect_less_often()
        assert gc.get_threshold() == (50_000, 5, 5)
    finally:
        gc.set_threshold(*saved)


def test_chunks_cover_every_job_once_and_balance(tmp_path):
    docs = [("county", f"K{i:02d}", "t", CONTEXTS["county"]()) for i in range(7)]
    p = plan(docs, tmp_path, "r", 2025, "fw", pdf=False)
    chunks = p.chunks(3)
    assert sorted(j.key for c in chunks for j in c) == [f"K{i:02d}" for i in range(7)]
    assert sorted(len(c) for c in chunks) == [2, 2, 3]
    assert len(p.chunks(20)) == 7  # never more chunks than documents


def test_stage_fingerprints_follow_their_inputs(mini, mini_data):
    from transforms.runtime.fingerprint import inputs_fingerprints

    home, con, fw = mini
    fw_file = mini_data / "frameworks" / "mini.yaml"
    before = inputs_fingerprints(con, fw_file, 2025)
    assert set(before) == {"submissions", "framework", "config", "code", "inputs"}
    assert inputs_fingerprints(con, fw_file, 2025) == before  # stable

    data = yaml.safe_load(fw_file.read_text("utf-8"))
    data["indicators"][0]["target"]["value"] = 55
    fw_file.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    after = inputs_fingerprints(con, fw_file, 2025)
    assert after["framework"] != before["framework"] and after["inputs"] != before["inputs"]
    assert {k: after[k] for k in ("submissions", "config", "code")} == \
           {k: before[k] for k in ("submissions", "config", "code")}

    con.execute("INSERT INTO submission (submission_id, department, year, kind, sha256, version, status) "
                "VALUES (1, 'lyj', 2025, 'observations', 'abc', 1, 'accepted')")
    assert inputs_fingerprints(con, fw_file, 2025)["submissions"] != after["submissions"]


def test_prefect_yaml_deployments_serve_as_declared(monkeypatch):
    import flows  # noqa: F401  (configures Prefect before it is imported)
    from flows.deployments import runner_deployments

    monkeypatch.setenv("ECOASSESS_INBOX", "/mnt/share/考核报送")
    deployments = {d.name: d for d in runner_deployments()}
    assert set(deployments) == {"annual-assessment-manual", "annual-assessment-yearly", "revalidate-department",
                                "rerender"}
    assert {d.flow_name for d in deployments.values()} == {"annual_assessment", "revalidate_department", "rerender"}
    yearly = deployments["annual-assessment-yearly"]
    assert [(s.schedule.cron, s.schedule.timezone) for s in yearly.schedules] == [("0 6 15 3 *", "Asia/Shanghai")]
    assert "year" not in yearly.parameters  # the flow assesses the previous calendar year
    assert deployments["annual-assessment-manual"].parameters["inbox"] == "/mnt/share/考核报送"
    assert not deployments["rerender"].schedules
    # served too, each deployment queues its runs (one at a time) instead of failing on the home's lock
    assert {(d.concurrency_limit, d.concurrency_options.collision_strategy) for d in deployments.values()} == \
        {(1, "ENQUEUE")}

    monkeypatch.delenv("ECOASSESS_INBOX")
    assert "inbox" not in {d.name: d for d in runner_deployments()}["annual-assessment-manual"].parameters


def test_only_file_system_failures_are_retried():
    import errno

    from prefect.states import Failed

    import flows  # noqa: F401
    from flows.annual_assessment import ingest, validate
    from flows.report_subflow import render
    from flows.task_policy import _transient

    assert _transient(None, None, Failed(data=OSError(errno.EIO, "share unreachable")))
    assert _transient(None, None, Failed(data=OSError(errno.ENOSPC, "disk full")))
    assert not _transient(None, None, Failed(data=OSError(errno.EROFS, "read-only")))
    assert not _transient(None, None, Failed(data=ValueError("第 3 行 森林覆盖率 超出范围")))
    assert ingest.retries == 2 and render.retries == 2 and ingest.retry_condition_fn is _transient
    assert validate.retries == 0  # bad data does not get better by retrying


def test_validation_reports_progress_file_by_file_with_the_department(mini_spec, tmp_path):
    """The longest stage on a fresh home counts its files (i of n, with the department and file) for the
    terminal's bar and the run's log."""
    from flows import progress, stages
    from tests.support.corpus import lyj_csv

    folder = tmp_path / "inbox" / "2025" / "lyj"
    folder.mkdir(parents=True)
    (folder / "林业局.csv").write_bytes(lyj_csv(("40", "50", "60")))
    (folder / "林业局_更正.csv").write_bytes(lyj_csv(("41", "50", "60")))
    seen: list[tuple] = []

    class Recorder:
        def begin(self, stage, total):
            seen.append(("begin", stage, total))

        def advance(self, stage, n):
            seen.append(("advance", stage, n))

        def note(self, stage, text):
            seen.append(("note", stage, text))

        def end(self, stage):
            seen.append(("end", stage))

    stages.ingest(mini_spec)
    progress._listeners.append(Recorder())
    try:
        outcomes = stages.validate(mini_spec)
    finally:
        progress._listeners.pop()
    assert len(outcomes) == 2
    assert seen == [("begin", "validate", 2), ("note", "validate", "第 1/2 个文件, 市林业局《林业局.csv》"),
                    ("advance", "validate", 1), ("note", "validate", "第 2/2 个文件, 市林业局《林业局_更正.csv》"),
                    ("advance", "validate", 1)]


def test_a_deployment_run_waits_for_the_home_a_cli_run_stops(held_home, monkeypatch):
    """Runs of different deployments on one home (the yearly run while a re-render holds it) queue on the
    home's lock; outside a deployment (CLI, `flow()`) a second run stops at once as before."""
    import types

    import flows.annual_assessment as flow

    home, proc = held_home
    with pytest.raises(RunLocked):
        with flow._home_held(home, "rerender 2025"):
            pytest.fail("granted while held")
    monkeypatch.setattr(flow, "deployment", types.SimpleNamespace(id="a-deployment-id"))
    events: list[str] = []

    def second() -> None:
        with flow._home_held(home, "annual_assessment 2025"):
            events.append("acquired")

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1.0)
    assert events == []  # waiting, not failed
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(timeout=30)
    thread.join(timeout=30)
    assert events == ["acquired"]
