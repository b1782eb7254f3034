"""Releasing a held submission: the department's 强制上报 or the office's acceptance.

A file whose plausibility warning falls on an indicator with a one-vote veto or a binding target is
held (status `held`, not scored): such a value decides a cadre's record, so a change beyond the
plausible bound is not scored on the strength of a warning alone. Someone must stand behind it, with
a reason: the department confirming the value (强制上报) or the office accepting it. The confirmation
is recorded with the submission and shown in its steward report. Plain Python on a connection, so the
CLI (`ecoassess confirm`) and the web portal call the same function.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import duckdb

from expectations.steward import jurisdiction_name, steward_report, write_steward_reports
from transforms.config.framework import Framework
from transforms.runtime.home import Home
from transforms.runtime.sql import statement, transaction
from transforms.runtime.warehouse import rows

Role = Literal["department", "office"]
ROLE_TEXT = {"department": "部门确认(强制上报)", "office": "考核办受理"}


class ConfirmError(ValueError):
    """The confirmation cannot be recorded (message in Chinese)."""


def confirm_submission(con: duckdb.DuckDBPyConnection, submission_id: int, reason: str, role: Role = "office",
                       person: str = "", home: Home | None = None, fw: Framework | None = None) -> dict:
    """Accept held submission `submission_id` on `role`'s word with `reason`; returns its steward
    report (rewritten under `home` when given, so the report shows the confirmation)."""
    if role not in ROLE_TEXT:
        raise ConfirmError(f"确认方须为 department(部门强制上报)或 office(考核办受理), 而不是“{role}”")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ConfirmError("请写明确认的理由(数值为何如此变化、依据什么材料), 至少 4 个字")
    found = rows(con, "SELECT status, file_name FROM submission WHERE submission_id = ?", [submission_id])
    if not found:
        raise ConfirmError(f"没有编号为 {submission_id} 的报送文件(用 ecoassess submissions 查看编号)")
    status, file_name = found[0]
    if status != "held":
        raise ConfirmError(f"报送文件 {submission_id}({file_name})的状态为 {status}, 不是待确认(held), 无需确认")
    with transaction(con):
        con.execute(statement("intake/confirm"), {"sid": submission_id, "role": role, "person": person.strip() or None,
                                                  "reason": reason})
        note = f"; {ROLE_TEXT[role]}" + (f"({person.strip()})" if person.strip() else "") + f": {reason}"
        con.execute("UPDATE submission SET status = 'accepted', message = message || ? WHERE submission_id = ?",
                    [note, submission_id])
    report = steward_report(con, submission_id, fw)
    if home is not None and fw is not None:
        out = home.validation_root / str(submission_id)
        write_steward_reports(report | _kept(out), out, fw.name, jurisdiction_name(con, fw))
    return report


CONFIRMATIONS = ".confirmations.json"  # the portal's 强制上报 beside the file in the inbox (transforms/portal/inbox.py)


def confirm_from_inbox(con: duckdb.DuckDBPyConnection, home: Home, fw: Framework) -> list[int]:
    """Confirm the held submissions whose department sent them anyway through the portal (强制上报):
    `<folder>/.confirmations.json` beside the delivered file names its sha256 with the reason and who
    gave it. Returns the submissions confirmed."""
    done = []
    for sid, source_path, sha in rows(con, statement("intake/held_files")):
        path = Path(source_path).parent / CONFIRMATIONS
        try:
            entry = json.loads(path.read_text("utf-8")).get(sha) if path.is_file() else None
        except (OSError, ValueError, AttributeError):
            entry = None
        if isinstance(entry, dict) and str(entry.get("reason") or "").strip():
            try:
                confirm_submission(con, sid, str(entry["reason"]), "department", str(entry.get("person") or ""),
                                   home, fw)
            except ConfirmError:
                continue  # a reason too short to stand: the file stays held, its report says so
            done.append(sid)
    return done


def _kept(out: Path) -> dict:
    """What validation wrote beside the report (the annotated workbook) and a rewrite keeps."""
    try:
        old = json.loads((out / "steward.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: old.get(k) for k in ("annotated_workbook",)}
