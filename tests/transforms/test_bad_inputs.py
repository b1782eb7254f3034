"""The bad-submission corpus (issue #9): every case goes through the path real submissions take.

receive_file (archive + version) → parse_received → validate_pending, on a copy of a warehouse
that already holds accepted data for 2025. For each case: the outcome the rules say (unreadable,
rejected, accepted with a warning, or accepted), a Chinese message naming the file, the row and
the rule, the file archived byte for byte, and the previously accepted data unchanged, asserted
on a fingerprint of an ordered export of the warehouse. Each case runs under a deadline; the
bombs and the 50 MB file run in a child process with an address-space limit.
"""

from __future__ import annotations

import faulthandler
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from tests.support.corpus import CASES, YEAR, Case, csv_bytes, events_csv, land_csv, lyj_csv
from tests.support.mini import MINI_FRAMEWORK, MINI_REGIONS
from transforms.config.framework import DATA_DIR, load_framework
from transforms.intake.receive import load_units, parse_received, receive_file
from transforms.runtime.home import Home
from transforms.runtime.warehouse import connect, load_config, rows

PROJECT = Path(__file__).resolve().parents[2]
CASE_SECONDS = 30      # an ordinary case takes well under a second
HEAVY_SECONDS = 60     # a bomb or a 50 MB file, in a child process
HEAVY_ADDRESS_SPACE = 3 << 30   # the child's virtual memory limit (imports alone reserve ~1 GiB)
HEAVY_RSS_MB = 800     # and its peak resident memory, checked afterwards
CJK = re.compile(r"[\u4e00-\u9fff]")


@contextmanager
def deadline(seconds: int):
    """Fail a case that takes too long; if it is stuck in native code, dump stacks and exit."""
    def expire(*_):
        raise TimeoutError(f"case exceeded {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    faulthandler.dump_traceback_later(seconds * 2, exit=True)
    try:
        yield
    finally:
        signal.alarm(0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, old)


def fingerprint(con) -> str:
    """sha256 over an ordered CSV export of everything accepted: current observations, events,
    tenures, and the accepted submissions themselves (id, version, sha256, status)."""
    h = hashlib.sha256()
    for sql in ("SELECT submission_id, department, year, version, kind, sha256, status, archive_path FROM submission "
                "WHERE status = 'accepted' ORDER BY submission_id",
                "SELECT * FROM observation WHERE submission_id IN (SELECT submission_id FROM submission "
                "WHERE status = 'accepted') ORDER BY ALL",
                "SELECT * FROM current_observation ORDER BY ALL",
                "SELECT * FROM current_event ORDER BY ALL",
                "SELECT * FROM current_tenure ORDER BY ALL"):
        h.update(con.sql(sql).pl().write_csv().encode("utf-8"))
    return h.hexdigest()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[Path, Path]:
    """(data dir, home) with 2025 accepted for 市林业局 (A), 市生态环境局 (B) and its events."""
    from expectations.validate import validate_pending

    root = tmp_path_factory.mktemp("baseline")
    data = root / "data"
    (data / "frameworks").mkdir(parents=True)
    (data / "frameworks" / "mini.yaml").write_text(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True), "utf-8")
    (data / "regions.csv").write_text(MINI_REGIONS, "utf-8")
    for name in ("departments.yaml", "units.yaml"):
        shutil.copy(DATA_DIR / name, data / name)
    fw_path = data / "frameworks" / "mini.yaml"
    fw = load_framework(fw_path)
    home = Home.resolve(root / "home")
    con = connect(home.warehouse)
    load_config(con, fw, fw_path, data)
    # last year, for the plausibility, resend and held cases (2024 values chosen so that every other
    # case's 2025 values stay within the plausible change)
    receive_file(con, home, lyj_csv(("42", "60", "62")), "林业局_2024.csv", "lyj", YEAR - 1)
    receive_file(con, home, land_csv(("12", "95", "9")), "资源局_2024.csv", "zrzyj", YEAR - 1)
    receive_file(con, home, lyj_csv(("40", "50", "60")), "林业局_2025.csv", "lyj", YEAR)
    receive_file(con, home, csv_bytes([["行政区划代码", "县(市、区)", "细颗粒物浓度(μg/m³)"], ["990001", "甲县", "30"],
                                       ["990002", "乙县", "28"], ["990003", "丙县", "35"]]), "环境局_2025.csv",
                 "sthjj", YEAR)
    receive_file(con, home, events_csv([["E0", "990002", "乙县", "2025-05-01", "一般突发环境事件", "一般", "基线事件"]]),
                 "事件_2025.csv", "sthjj", YEAR)
    parse_received(con, home, fw, load_units(data))
    outcomes = validate_pending(con, home, fw)
    assert [o.status for o in outcomes] == ["accepted"] * 5
    con.close()
    return data, home.root


def _rules(case: Case) -> tuple[str, ...]:
    return case.rule if isinstance(case.rule, tuple) else (case.rule,)


def _steward_text(con, sid: int) -> str:
    from expectations.steward import steward_report, steward_text

    return steward_text(steward_report(con, sid))


def _check_message(case: Case, text: str, message: str | None) -> None:
    """The steward's answer names the file, the rule, the row, in Chinese."""
    shown = text + "\n" + (message or "")
    assert case.file_name in shown, shown
    assert CJK.search(text), text
    if case.rule:
        assert any(f"(规则 {r})" in text for r in _rules(case)), text
    if case.row:
        assert f"第 {case.row} 行" in shown, shown
    for fragment in case.says:
        assert fragment in shown, (fragment, shown)


@pytest.mark.parametrize("case", [c for c in CASES if not c.heavy], ids=lambda c: c.id)
def test_bad_submission(case: Case, baseline, tmp_path):
    from expectations.validate import validate_pending

    data, base_home = baseline
    shutil.copytree(base_home, tmp_path / "home")
    home = Home.resolve(tmp_path / "home")
    fw = load_framework(data / "frameworks" / "mini.yaml")
    raw = case.build()
    con = connect(home.warehouse)
    try:
        before = fingerprint(con)
        accepted_before = rows(con, "SELECT submission_id FROM submission WHERE status = 'accepted'")
        with deadline(CASE_SECONDS):
            sid = receive_file(con, home, raw, case.file_name, case.department, YEAR).submission_id
            parse_received(con, home, fw, load_units(data))
            validate_pending(con, home, fw)
        status, kind, message, archive = rows(
            con, "SELECT status, kind, message, archive_path FROM submission WHERE submission_id = ?", [sid])[0]
        failed = rows(con, "SELECT rule_id, severity FROM validation_result WHERE submission_id = ? AND NOT success",
                      [sid])
        text = _steward_text(con, sid)

        # the outcome the rules say
        errors = {r for r, s in failed if s == "error"}
        warnings = {r for r, s in failed if s == "warning"}
        if case.outcome == "unreadable":
            assert (status, kind) == ("rejected", "unreadable"), text
        elif case.outcome == "rejected":
            assert status == "rejected" and kind != "unreadable", text
        elif case.outcome == "held":
            assert status == "held" and not errors, text
        else:
            assert status == "accepted" and not errors, text
            assert bool(warnings) == (case.outcome == "warning"), text
            for role in case.signed:  # the declaration is in the steward's report
                assert role in text, text
        if case.rule:
            assert set(_rules(case)) & (warnings if case.outcome in ("warning", "held") else errors), (case.rule, failed)
        signed = {r[0] for r in rows(con, "SELECT role FROM signature WHERE submission_id = ?", [sid])}
        assert signed == set(case.signed), signed
        _check_message(case, text, message)

        # archived unchanged, inside the home, under a derived name
        stored = (home.root / archive).resolve()
        assert stored.is_relative_to(home.archive) and stored.read_bytes() == raw
        assert re.fullmatch(rf"archive/{YEAR}/{case.department}/\d{{6}}-[0-9a-f]{{16}}\.(csv|xlsx|bin)", archive), archive

        # previously accepted data unchanged; a rejected or held file changes nothing that is current
        if status in ("rejected", "held"):
            assert fingerprint(con) == before
        else:
            assert rows(con, "SELECT submission_id FROM submission WHERE status = 'accepted' AND submission_id < ?",
                        [sid]) == accepted_before
            for (region, indicator), value in case.values.items():
                got = rows(con, "SELECT value FROM current_observation WHERE region_code = ? AND indicator_code = ?"
                                " AND year = ?", [region, indicator, YEAR])
                assert got == [(pytest.approx(value),)], (region, indicator, got)
    finally:
        con.close()


@pytest.mark.parametrize("case", [c for c in CASES if c.heavy], ids=lambda c: c.id)
def test_heavy_submission_bounded_time_and_memory(case: Case, baseline, tmp_path):
    """Bombs and oversized files: a child process under an address-space limit, with a timeout."""
    data, base_home = baseline
    shutil.copytree(base_home, tmp_path / "home")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (HEAVY_ADDRESS_SPACE, HEAVY_ADDRESS_SPACE))

    proc = subprocess.run([sys.executable, "-m", "tests.support.corpus", str(data), str(tmp_path / "home"), case.id],
                          cwd=PROJECT, capture_output=True, text=True, timeout=HEAVY_SECONDS, preexec_fn=limit,
                          env=os.environ | {"POLARS_MAX_THREADS": "2"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (out["status"], out["kind"]) == ("rejected", "unreadable"), out
    assert set(_rules(case)) & set(out["rules"]), out
    assert case.file_name in out["message"] and all(s in out["message"] for s in case.says), out["message"]
    assert out["archive_sha256"] == out["input_sha256"]  # archived unchanged, however large
    assert out["max_rss_mb"] < HEAVY_RSS_MB, out
    con = connect(tmp_path / "home" / "warehouse.duckdb")
    base = connect(base_home / "warehouse.duckdb")
    try:
        assert fingerprint(con) == fingerprint(base)
    finally:
        con.close()
        base.close()


def test_corpus_is_large_and_covers_every_outcome():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    assert {c.outcome for c in CASES} == {"unreadable", "rejected", "warning", "accepted", "held"}
