"""Faults (issue #9): runs killed with SIGKILL in ingest, scoring and rendering; two runs at once;
the next run offline; disk full and a read-only report folder while rendering.

One home is prepared and abused in order (in the background from the session's first test on, see
tests/support/background.py, so this module runs last): each killed run is the real CLI and Prefect flow
in its own process group, paused at a planted point (tests/support/fault_driver.py) and killed there.
After every kill the warehouse must open and pass an integrity check; after all of them, one
ordinary run must complete with the network blocked (a network namespace with loopback only, if
this machine allows one, plus a socket guard), leaving complete, parseable, non-world-readable
reports in which submitted text is escaped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.task_policy import cores
from tests.support import background

PROJECT = Path(__file__).resolve().parents[2]
DEMO_INBOX = PROJECT / "data" / "demo" / "inbox"
TABLES = {"framework", "category", "indicator", "indicator_zone_weight", "region", "region_target", "department",
          "submission", "observation", "event", "tenure", "validation_result", "validation_run", "run", "score",
          "category_score", "result", "veto_hit", "cadre_result", "department_result"}
HOSTILE_TEXT = "<script>alert('x')</script><b>加粗</b> =HYPERLINK(\"http://example.invalid\")"
HOSTILE_NAME = "市财政局 $(touch PWNED) <img src=x onerror=alert(1)>.csv"
STEP_SECONDS = 240  # to reach a pause point or finish a run on a loaded 2-core machine


def _env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith(("PREFECT_", "ECOASSESS_"))}
    return env | {"ECOASSESS_HOME": str(home)} | extra


def _cli(home: Path, inbox: Path, *args: str) -> list[str]:
    return [*args, "run", "--year", "2025", "--inbox", str(inbox)]


def _start_paused(home: Path, inbox: Path, stage: str, log: Path) -> tuple[subprocess.Popen, Path]:
    marker = home.parent / f"paused-{stage}"
    marker.unlink(missing_ok=True)
    out = open(log, "w")
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.fault_driver", stage, str(marker),
                             *_cli(home, inbox)], cwd=PROJECT, env=_env(home), stdout=out, stderr=out,
                            start_new_session=True)  # its own process group: the Prefect server dies with it
    deadline = time.monotonic() + STEP_SECONDS
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            _kill(proc)
            pytest.fail(f"run never reached the {stage} pause:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    return proc, marker


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def integrity(home: Path) -> dict:
    """The warehouse opens, has every table, and agrees with the archive: no submission lost,
    no file without its row, no row pointing at a missing submission, versions unique."""
    from transforms.runtime.warehouse import connect

    con = connect(home / "warehouse.duckdb")  # replays the WAL a killed process left
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables WHERE table_type = "
                                        "'BASE TABLE'").fetchall()}
        assert TABLES <= tables, TABLES - tables
        for t in sorted(TABLES):  # every page of every table readable
            con.sql(f"SELECT count(*), hash(list(t ORDER BY ALL)) FROM {t} t").fetchall()
        subs = con.sql("SELECT submission_id, sha256, archive_path, status, kind FROM submission").fetchall()
        for sid, sha, archive, _, _ in subs:
            assert hashlib.sha256((home / archive).read_bytes()).hexdigest() == sha, sid
        archived = {str(p.relative_to(home)) for p in (home / "archive").rglob("*") if p.is_file()}
        assert archived == {s[2] for s in subs}  # every archived file has its row, and the reverse
        for t in ("observation", "event", "tenure", "validation_result"):
            orphans = con.sql(f"SELECT count(*) FROM {t} WHERE submission_id NOT IN "
                              "(SELECT submission_id FROM submission)").fetchall()[0][0]
            assert orphans == 0, t
        dupes = con.sql("SELECT count(*) FROM (SELECT department, year, kind, version FROM submission "
                        "WHERE kind IS NOT NULL GROUP BY ALL HAVING count(*) > 1)").fetchall()[0][0]
        assert dupes == 0
        unparsed_with_data = con.sql("SELECT count(*) FROM observation o JOIN submission s USING (submission_id) "
                                     "WHERE s.kind IS NULL").fetchall()[0][0]
        assert unparsed_with_data == 0  # a rolled-back parse leaves no rows behind
        runs = dict(con.sql("SELECT run_id, status FROM run").fetchall())
        return {"submissions": {s[0]: (s[3], s[4]) for s in subs}, "runs": runs,
                "scores": dict(con.sql("SELECT run_id, count(*) FROM score GROUP BY ALL").fetchall())}
    finally:
        con.close()


def warehouse_fingerprint(home: Path, skip_runs: set[str] = frozenset()) -> dict[str, str]:
    """Per table, sha256 over an ordered export (run rows of `skip_runs` left out; the time the
    framework file was last loaded, which every run refreshes, too): a difference names its table."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        out = {}
        for t in sorted(TABLES):
            where = f" WHERE run_id NOT IN ({','.join(repr(r) for r in skip_runs)})" if t == "run" and skip_runs else ""
            columns = "* EXCLUDE (loaded_at)" if t == "framework" else "*"
            data = con.sql(f"SELECT {columns} FROM {t}{where} ORDER BY ALL").pl().write_csv().encode("utf-8")
            out[t] = hashlib.sha256(data).hexdigest()
        return out
    finally:
        con.close()


def report_files(reports: Path) -> dict[str, bytes]:
    return {str(p.relative_to(reports)): p.read_bytes() for p in sorted(reports.rglob("*")) if p.is_file()}


def _prepare(root: Path) -> tuple[Path, Path]:
    """A home and an inbox with the demo's 2024 and 2025 submissions, one event description and
    one file name made hostile (they must come out escaped)."""
    inbox = root / "inbox"
    for year in ("2024", "2025"):
        shutil.copytree(DEMO_INBOX / year, inbox / year)
    events = inbox / "2025" / "sthjj" / "生态环境事件_2025.csv"
    text = events.read_text("utf-8-sig")
    assert "工业园区废气异味投诉" in text
    events.write_text(text.replace("工业园区废气异味投诉", HOSTILE_TEXT.replace('"', '""')), "utf-8-sig")
    czj = next((inbox / "2025" / "czj").iterdir())
    czj.rename(czj.with_name(HOSTILE_NAME))
    home = root / "home"
    home.mkdir()
    return home, inbox


def _kill_three(home: Path, inbox: Path) -> dict:
    """Three runs killed at planted points; a second run started while the first holds the home."""
    seen: dict = {}

    proc, _ = _start_paused(home, inbox, "ingest", home.parent / "ingest.log")
    try:  # while it holds the home, a second run must stop at once with the lock message
        second = subprocess.run([sys.executable, "-m", "flows.cli", *_cli(home, inbox)], cwd=PROJECT,
                                env=_env(home), capture_output=True, text=True, timeout=STEP_SECONDS)
        seen["second"] = second
    finally:
        _kill(proc)
    seen["after_ingest"] = integrity(home)

    proc, _ = _start_paused(home, inbox, "score", home.parent / "score.log")
    _kill(proc)
    seen["after_score"] = integrity(home)

    proc, _ = _start_paused(home, inbox, "report", home.parent / "report.log")
    _kill(proc)
    seen["after_report"] = integrity(home)
    reports = home / "reports" / "2025"
    seen["report_files_after_kill"] = sorted(str(p.relative_to(reports)) for p in reports.rglob("*") if p.is_file())
    seen["pdfs_after_kill"] = {p.name: p.read_bytes() for p in reports.rglob("*.pdf")}
    seen["htmls_after_kill"] = {p.name: p.read_bytes() for p in reports.rglob("*.html")}
    return seen


def _network_blocker() -> list[str]:
    """`unshare -n` with loopback up, if this machine lets us make a network namespace."""
    if shutil.which("unshare") and shutil.which("ip") and \
            subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']
    return []


def _recover(home: Path, inbox: Path) -> dict:
    """The next ordinary run, with the network blocked and every network attempt recorded. A
    correction arrived meanwhile, so this run also parses and validates (Great Expectations) offline."""
    original = next((inbox / "2025" / "cgj").iterdir())
    lines = original.read_text("utf-8-sig").splitlines()
    cells = lines[2].split(",")
    cells[-1] = f"{max(float(cells[-1]) - 0.1, 0):.2f}"  # a rate stays within 0–100
    lines[2] = ",".join(cells)
    (original.parent / "市城管局_2025年考核数据_更正.csv").write_text("\r\n".join(lines) + "\r\n", "utf-8-sig")
    guard_log = home.parent / "network-attempts.log"
    blocker = _network_blocker()
    env = _env(home, PYTHONPATH=str(PROJECT / "tests" / "support" / "netguard"), ECOASSESS_NETGUARD_LOG=str(guard_log))
    t0 = time.monotonic()
    proc = subprocess.run([*blocker, sys.executable, "-m", "flows.cli", *_cli(home, inbox)], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=STEP_SECONDS * 2)
    return {"proc": proc, "guard_log": guard_log, "namespace": bool(blocker), "seconds": time.monotonic() - t0,
            "integrity": integrity(home) if proc.returncode == 0 else None}


def _faults(root: Path) -> dict:
    """Prepare, kill three runs, recover: in order, on one home."""
    home, inbox = _prepare(root)
    killed = _kill_three(home, inbox)
    return {"prepared": (home, inbox), "killed": killed, "recovered": _recover(home, inbox)}


# started at the session's first test and run in the background meanwhile (tests/support/background.py)
background.prepare("faults", {"prepared", "killed", "recovered"}, _faults)


@pytest.fixture(scope="module")
def prepared() -> tuple[Path, Path]:
    return background.result("faults")["prepared"]


@pytest.fixture(scope="module")
def killed() -> dict:
    return background.result("faults")["killed"]


@pytest.fixture(scope="module")
def recovered() -> dict:
    return background.result("faults")["recovered"]


# ------------------------------------------------------------------ kills and the lock

def test_second_run_on_the_same_home_stops_with_the_lock_message(killed):
    second = killed["second"]
    assert second.returncode == 3, second.stderr[-2000:]
    assert "另一个评价考核任务正在使用" in second.stderr


def test_kill_during_ingest_keeps_every_received_file_and_only_committed_parses(killed):
    subs = killed["after_ingest"]["submissions"]
    assert len(subs) == 28  # 13 departments × 2 years + the 2025 events and roster: all received, archived
    assert sum(kind is not None for _, kind in subs.values()) == 5  # the 6th parse was rolled back
    assert [r for r in killed["after_ingest"]["runs"].values()] == ["running"]  # as the kill left it


def test_kill_during_scoring_leaves_no_partial_scores(killed):
    after = killed["after_score"]
    assert all(status == "accepted" for status, _ in after["submissions"].values())  # ingest+validate finished
    killed_run = next(r for r, s in after["runs"].items() if s == "running")
    assert after["scores"].get(killed_run, 0) == 0  # the score transaction never committed
    assert sorted(after["runs"].values()) == ["interrupted", "running"]  # the ingest run marked by this one


def test_kill_during_rendering_leaves_only_whole_reports(killed):
    files = killed["report_files_after_kill"]
    temporaries = [f for f in files if Path(f).name.startswith(".") and ".tmp" in f]
    assert len(temporaries) == 1  # the kill came in the middle of a write ...
    assert "manifest.json" not in files  # ... before the manifest, which is written last
    from pypdf import PdfReader

    for name, data in killed["pdfs_after_kill"].items():  # ... and what has its real name is whole
        assert len(PdfReader(__import__("io").BytesIO(data)).pages) >= 1, name
    for name, data in killed["htmls_after_kill"].items():
        assert data.rstrip().endswith(b"</html>"), name


# ------------------------------------------------------------------ the next run

def test_next_run_completes_offline_after_the_kills(recovered):
    proc = recovered["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    attempts = recovered["guard_log"].read_text() if recovered["guard_log"].exists() else ""
    assert attempts == "", attempts  # no connect or lookup beyond loopback was even tried
    runs = sorted(recovered["integrity"]["runs"].values())
    assert runs == ["interrupted", "interrupted", "interrupted", "succeeded"]
    subs = recovered["integrity"]["submissions"]
    assert len(subs) == 29 and all(status == "accepted" for status, _ in subs.values())  # with the correction


def test_reports_after_recovery_are_complete_and_parse(prepared, recovered):
    from pypdf import PdfReader

    home, _ = prepared
    reports = home / "reports" / "2025"
    manifest = json.loads((reports / "manifest.json").read_text("utf-8"))
    listed = {e[key] for e in manifest["reports"] for key in ("html", "pdf", "xlsx") if key in e} \
        | {manifest["index"]["html"]}  # the year's index page; the bulletin's tables as .xlsx
    assert len(manifest["reports"]) == 69  # 18 counties, 50 cadres, the bulletin
    on_disk = {str(p.relative_to(reports)) for p in reports.rglob("*") if p.is_file()}
    assert on_disk == listed | {"manifest.json", manifest["index"]["html"]}  # no temporary file left, nothing unlisted
    for rel in sorted(listed):
        data = (reports / rel).read_bytes()
        if rel.endswith(".pdf"):
            assert len(PdfReader(reports / rel).pages) >= 1, rel
        elif rel.endswith(".xlsx"):
            assert data[:2] == b"PK", rel  # a whole zip container, not half a write
        else:
            assert data.rstrip().endswith(b"</html>"), rel


def test_reports_and_index_are_not_world_readable(prepared, recovered):
    home, _ = prepared
    reports = home / "reports" / "2025"
    readable = [str(p) for p in [reports, *reports.rglob("*")] if p.stat().st_mode & stat.S_IRWXO]
    assert readable == []


def test_submitted_text_reaches_reports_escaped(prepared, recovered):
    home, _ = prepared
    reports = home / "reports" / "2025"
    pages = {p: p.read_text("utf-8") for p in reports.rglob("*.html")}
    everything = "\n".join(pages.values())
    assert "<script>alert" not in everything and "<img src=x" not in everything and "<b>加粗</b>" not in everything
    assert "&lt;script&gt;alert(" in everything  # the event description, shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in everything  # the file name in the submissions table
    assert not list(PROJECT.rglob("PWNED")) and not (home.parent / "PWNED").exists()


# ------------------------------------------------------------------ rendering into a full or read-only disk

def _in_private_mount(reports: Path, options: str) -> list[str]:
    return ["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o {options} tmpfs "{reports}" && exec "$0" "$@"']


def _can_mount() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True).returncode == 0


DISK_CASES = {"disk_full_during_run": ("size=300k", "run", "磁盘空间不足"),
              "read_only_during_rerender": ("ro,size=64k", "rerender", "只读")}


def _into_full_or_read_only_disk(root: Path) -> dict | None:
    """On a copy of the recovered home (the tests above read the home as the recovery left it): a run
    into a full disk, then a re-render into a read-only folder, each with a tmpfs mounted over the
    year's report folder in a private mount namespace; and what the test compares before and after."""
    faults = background.result("faults")
    (home, inbox), recovered = faults["prepared"], faults["recovered"]
    if not _can_mount() or recovered["proc"].returncode != 0:
        return None
    home = shutil.copytree(home, root / "home", symlinks=True)
    seen = {}
    for case, (options, command, _) in DISK_CASES.items():
        reports = home / "reports" / "2025"
        files_before = report_files(reports)
        runs_before = set(integrity(home)["runs"])
        before = warehouse_fingerprint(home)
        # --no-pdf: a document's PDF is made before its HTML is written, so on the full disk each failing
        # try (ENOSPC is retried three times per chunk) would make a PDF only to throw it away; the HTML
        # writes fail the same way. Written PDFs are checked after the recovery.
        args = [*_cli(home, inbox), "--no-pdf"] if command == "run" else ["rerender", "--year", "2025"]
        proc = subprocess.run([*_in_private_mount(reports, options), sys.executable, "-m", "flows.cli", *args],
                              cwd=PROJECT, env=_env(home), capture_output=True, text=True, timeout=STEP_SECONDS)
        runs = integrity(home)["runs"]
        new_runs = set(runs) - runs_before
        seen[case] = {"reports": reports, "proc": proc, "before": before, "files_before": files_before,
                      "after": warehouse_fingerprint(home, skip_runs=new_runs),
                      "new_run_statuses": [runs[r] for r in new_runs], "files_after": report_files(reports)}
    return seen


background.prepare("faults_disk", {"into_disk"}, _into_full_or_read_only_disk)


@pytest.fixture(scope="module")
def into_disk() -> dict | None:
    return background.result("faults_disk")


@pytest.mark.parametrize("case", list(DISK_CASES))
def test_rendering_into_a_full_or_read_only_disk(recovered, into_disk, case):
    if not _can_mount():
        pytest.skip("this machine does not allow a private mount namespace (needs root)")
    assert recovered["proc"].returncode == 0
    _, command, reason = DISK_CASES[case]
    seen = into_disk[case]
    proc, reports = seen["proc"], seen["reports"]
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    message = [line for line in proc.stderr.splitlines() if line.startswith("无法写入报告目录")]  # the CLI's own line
    assert len(message) == 1 and reason in message[0] and str(reports) in message[0], proc.stderr[-3000:]
    # fail fast: once a chunk has failed, the chunks still queued are cancelled. Those failed by then
    # (one per thread at most: a try takes seconds) and those the freed threads had already taken fail,
    # so at most 2 × cores of the 4 × cores chunks, where all of them used to fail three times each
    failed_chunks = set(re.findall(r"Task run '(生成报告-\w+)' - Finished in state Failed", proc.stderr))
    assert len(failed_chunks) <= (2 * cores() if command == "run" else 0), sorted(failed_chunks)
    assert seen["after"] == seen["before"]  # data, scores, results untouched (the new run's row aside)
    assert seen["new_run_statuses"] == (["failed"] if command == "run" else [])
    assert seen["files_after"] == seen["files_before"]  # the published reports outside the failed mount unchanged


# ------------------------------------------------------------------ the same file twice, two versions at once

def test_same_submission_delivered_twice_is_one_version(mini, tmp_path):
    from expectations.validate import validate_pending
    from tests.support.corpus import lyj_csv
    from transforms.config.framework import load_departments
    from transforms.intake.receive import load_units, parse_received, pull_inbox

    home, con, fw = mini
    folder = tmp_path / "inbox" / "2025" / "lyj"
    folder.mkdir(parents=True)
    (folder / "林业局.csv").write_bytes(lyj_csv())
    (folder / "林业局(重发).csv").write_bytes(lyj_csv())  # the same bytes under another name, same pull
    first = pull_inbox(con, home, tmp_path / "inbox", load_departments())
    again = pull_inbox(con, home, tmp_path / "inbox", load_departments())  # and once more in a later run
    parse_received(con, home, fw, load_units())
    validate_pending(con, home, fw)
    assert [r.duplicate for r in first] == [False, True] and all(r.duplicate for r in again)
    subs = con.sql("SELECT version, status, archive_path, sha256 FROM submission").fetchall()
    assert [(v, s) for v, s, _, _ in subs] == [(1, "accepted")]
    assert hashlib.sha256((home.root / subs[0][2]).read_bytes()).hexdigest() == subs[0][3]
    assert len([p for p in home.archive.rglob("*") if p.is_file()]) == 1


def test_two_versions_in_quick_succession_the_later_one_is_current(mini, tmp_path):
    """The correction is saved a moment after the original but its name sorts first: versions
    follow delivery order (modification time), so the correction is current and both are kept."""
    from expectations.validate import validate_pending
    from tests.support.corpus import lyj_csv
    from transforms.config.framework import load_departments
    from transforms.intake.receive import load_units, parse_received, pull_inbox

    home, con, fw = mini
    folder = tmp_path / "inbox" / "2025" / "lyj"
    folder.mkdir(parents=True)
    original, correction = folder / "林业局_2025.csv", folder / "林业局_2025(更正).csv"
    assert sorted([original.name, correction.name])[0] == correction.name
    original.write_bytes(lyj_csv(("40", "50", "60")))
    correction.write_bytes(lyj_csv(("40", "55", "60")))
    t = time.time()
    os.utime(original, (t - 0.5, t - 0.5))
    os.utime(correction, (t, t))
    pull_inbox(con, home, tmp_path / "inbox", load_departments())
    parse_received(con, home, fw, load_units())
    assert [o.status for o in validate_pending(con, home, fw)] == ["accepted", "accepted"]
    versions = dict(con.sql("SELECT file_name, version FROM submission").fetchall())
    assert versions == {original.name: 1, correction.name: 2}
    current = con.sql("SELECT file_name FROM current_submission").fetchall()
    assert current == [(correction.name,)]  # exactly one current version, the later one
    assert con.sql("SELECT value FROM current_observation WHERE region_code = '990002'").fetchall() == [(55.0,)]
    for archive, sha in con.sql("SELECT archive_path, sha256 FROM submission").fetchall():  # both archived
        assert hashlib.sha256((home.root / archive).read_bytes()).hexdigest() == sha


def test_report_output_removes_temporaries_keeps_files_private_and_explains_write_errors(tmp_path):
    import errno

    from flows.stages import ReportOutputError, report_output

    out = tmp_path / "reports" / "2025"
    (out / "county").mkdir(parents=True)
    stale = [out / ".bulletin.pdf.123-abcd1234.tmp", out / "county" / ".360702.html.9-ff00ff00.tmp",
             out / ".manifest.json.tmp-77"]
    kept = [out / "bulletin.pdf", out / "county" / "360702.html", out / "manifest.json"]
    for p in stale + kept:
        p.write_bytes(b"x")
    with report_output(out):
        (out / "cadre").mkdir()
        (out / "cadre" / "c1.html").write_text("<html></html>")
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    assert stat.S_IMODE((out / "cadre").stat().st_mode) & 0o007 == 0
    assert stat.S_IMODE((out / "cadre" / "c1.html").stat().st_mode) & 0o007 == 0
    with pytest.raises(ReportOutputError, match="磁盘空间不足") as err:
        with report_output(out):
            raise OSError(errno.ENOSPC, "No space left on device", str(out / "county" / "360703.pdf"))
    assert str(out) in str(err.value) and "rerender" in str(err.value)
