"""What happens to an upload: archived as received, checked by the run's suites, and, if it passes
(or is sent anyway with an explanation for its warnings), placed in the inbox for the next run.

States of an upload: `passed` (no errors, no warnings: in the inbox), `warning` (no errors, some
warnings: held until the department sends it anyway with an explanation, 强制上报), `forced` (in
the inbox with its explanation), `rejected` (errors: never in the inbox), `returned` (the office sent
it back with a reason: out of the inbox). The inbox holds at most one file per department, year and
kind: the newest one sent; the portal never touches the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from transforms.config.framework import (Department, Framework, data_dir, framework_path, load_departments,
                                        load_framework, read_csv_rows)
from transforms.intake.guards import size_refusal
from transforms.portal.accounts import Account
from transforms.portal.config import Cell, PortalConfig, department_cells, load_portal_config
from transforms.portal.inbox import (EVIDENCE_SUFFIXES, clean_file_name, evidence_refusal, place, record_confirmation,
                                    record_evidence)
from transforms.portal.store import PortalDB, now
from transforms.runtime.home import CHUNK, Home, private_dir, write_atomically
from transforms.runtime.sql import statement

STATE_LABEL = {"passed": "已通过", "warning": "有警告", "rejected": "已退回", "forced": "强制上报",
               "returned": "已退回", "checking": "检查中", "interrupted": "已退回"}
CHECK_TIMEOUT = 600  # seconds an upload may wait for a check worker and be checked
MIN_EXPLANATION = 10  # characters of a 上报说明


class Refused(Exception):
    """An upload or action refused; `status` is the HTTP status, the message Chinese first."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Portal:
    """Everything the routes share: the home, the inbox the runs read, configuration, the portal
    database and the pool of check workers."""
    home: Home
    inbox: Path
    framework_id: str
    db: PortalDB
    pool: object = None  # concurrent.futures.Executor
    fw: Framework = field(init=False)
    departments: dict[str, Department] = field(init=False)
    config: PortalConfig = field(init=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.fw = load_framework(framework_path(self.framework_id))
        self.departments = {d.code: d for d in load_departments()}
        self.config = load_portal_config()
        self.db.set_setting("framework", self.framework_id)

    def cells(self, department: str, year: int) -> list[Cell]:
        return department_cells(self.config, self.fw, department, year)

    def counties(self) -> dict[str, str]:
        """The jurisdiction's counties {code: name}, from data/regions.csv (the run's configuration)."""
        return {r["region_code"]: r["name"] for r in read_csv_rows(data_dir() / "regions.csv")
                if r.get("level") == "county"}

    def years(self) -> list[int]:
        lo, hi = self.fw.years
        return list(range(hi, lo - 1, -1))

    def default_year(self) -> int:
        """The run's default (the year before today in China), within the framework's years."""
        from transforms.config.defaults import default_year

        lo, hi = self.fw.years
        return min(max(default_year(), lo), hi)

    def lock(self, department: str) -> threading.Lock:
        """One department's inbox folder changes one upload at a time."""
        with self._guard:
            return self._locks.setdefault(department, threading.Lock())


def _archive(stream: BinaryIO, path: Path) -> str:
    """Write `stream` to `path` unchanged (atomically, durably, in chunks: never whole in memory) and
    return its sha256, computed on the bytes as they are written."""
    digest = hashlib.sha256()

    def chunks():
        stream.seek(0)
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
            yield chunk

    write_atomically(path, chunks(), durable=True)
    return digest.hexdigest()

def _kind_label(portal: Portal, kind: str | None) -> str:
    return portal.config.kinds[kind].label if kind in portal.config.kinds else (kind or "无法识别")


def receive_upload(portal: Portal, account: Account, address: str | None, year: int, kind: str, raw_name: str,
                   stream: BinaryIO, department: str | None = None) -> dict:
    """Archive, check and (if it passes) place one upload; returns its row with the findings.
    Department accounts upload for their own department only; the office may name one."""
    dept = account.department if account.role == "department" else department
    if account.role == "department" and department not in (None, account.department):
        raise Refused("只能为本部门报送 / you can only submit for your own department", 403)
    if account.role not in ("department", "office") or dept not in portal.departments:
        raise Refused("无权报送 / not allowed to submit", 403)
    if year not in portal.years():
        raise Refused(f"年度 {year} 不在指标体系的考核年度内 / year out of range")
    if kind not in {c.kind for c in portal.cells(dept, year)}:
        raise Refused(f"本部门无需报送“{_kind_label(portal, kind)}” / this kind is not configured for the department")
    name, reason = clean_file_name(raw_name)
    if reason:
        raise Refused(reason, 415 if "类型" in reason else 400)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    refusal = size_refusal(size, name)
    if refusal:
        raise Refused(refusal[1], 413)
    with portal.db.connect() as con:  # the row first: an upload is never lost, whatever happens next
        upload_id = con.execute(statement("portal/new_upload"),
                                (year, dept, kind, name, size, now(), account.name, address)).fetchone()[0]
    folder = private_dir(private_dir(portal.db.root / "uploads") / f"{upload_id:06d}")
    archive = folder / name
    sha = _archive(stream, archive)  # archived unchanged, before anything reads it
    with portal.db.connect() as con:
        con.execute("UPDATE upload SET sha256 = ?, archive = ? WHERE id = ?", (sha, str(archive), upload_id))
    report_dir = folder / "check"
    try:
        from flows.portal.checker import check_upload

        call = (str(archive), dept, year, portal.framework_id, str(portal.home.root), str(report_dir))
        result = portal.pool.submit(check_upload, *call).result(timeout=CHECK_TIMEOUT) if portal.pool \
            else check_upload(*call)
    except Exception as exc:  # the check itself failed: said so, the file kept, nothing placed
        result = {"status": "rejected", "errors": 1, "warnings": 0, "kind": None, "annotated_workbook": None,
                  "rules": [{"rule_id": "portal.check_failed", "severity": "error", "severity_text": "错误(退回)",
                             "rule": f"检查未能完成({type(exc).__name__}), 请稍后重新上传; 如反复出现请联系考核办",
                             "expected": None, "fix": None, "count": None, "rows": []}]}
    if result.get("kind") and result["kind"] != kind and result["status"] == "accepted":
        result["status"], result["errors"] = "rejected", result["errors"] + 1
        result["rules"].insert(0, {
            "rule_id": "portal.kind", "severity": "error", "severity_text": "错误(退回)", "count": None, "rows": [],
            "rule": f"文件内容是“{_kind_label(portal, result['kind'])}”, 而所选报送类型是“{_kind_label(portal, kind)}”",
            "expected": None, "fix": "请在对应的报送类型下上传该文件"})
    # `held`: a warning on a veto or binding indicator, which like any warning waits for 强制上报
    state = "rejected" if result["status"] not in ("accepted", "held") or result["errors"] else \
        "warning" if result["warnings"] else "passed"
    with portal.db.connect() as con:
        con.execute("UPDATE upload SET state = ?, errors = ?, warnings = ?, findings = ?, report_dir = ? WHERE id = ?",
                    (state, result["errors"], result["warnings"], json.dumps(result, ensure_ascii=False, default=str),
                     str(report_dir), upload_id))
    if state == "passed":
        _send(portal, upload_id)
    portal.db.audit(account.name, address, "upload", f"#{upload_id} {year} {dept} {kind} {name} sha256={sha} → {state}")
    return upload_view(portal, upload_id)


def _send(portal: Portal, upload_id: int, explanation: str | None = None, person: str | None = None) -> None:
    """Place the upload in the inbox as its cell's file, and take the cell's previous file out;
    `explanation` and `person` (the account that sent it anyway, 强制上报) go beside it for the run.
    Checks finish in any order: a passed file never displaces one uploaded after it (an explicit
    强制上报 does: it is the department's latest word)."""
    row = portal.db.one("SELECT * FROM upload WHERE id = ?", (upload_id,))
    with portal.lock(row["department"]):
        others = portal.db.all(statement("portal/inbox_uploads"), (row["year"], row["department"], upload_id))
        same_cell = {o["id"] for o in portal.db.all("SELECT id FROM upload WHERE year = ? AND department = ? AND kind = ?",
                                                    (row["year"], row["department"], row["kind"]))}
        if explanation is None and any(o["id"] in same_cell and o["id"] > upload_id for o in others):
            return  # passed, kept, but a newer upload of the cell is in the inbox already
        taken = {Path(o["inbox_path"]).name for o in others if o["id"] not in same_cell}
        name = row["file_name"]
        if name in taken:  # another kind's current file has this name: keep both
            name = f"{Path(name).stem}_{upload_id}{Path(name).suffix}"
        if explanation:  # before the file: a run that sees the file sees its explanation too
            record_confirmation(portal.inbox, row["year"], row["department"], row["sha256"],
                                {"file_name": name, "reason": explanation, "person": person or row["account"], "at": now()})
        with open(row["archive"], "rb") as src:
            target = place(portal.inbox, row["year"], row["department"], name, src)
        with portal.db.connect() as con:
            for o in others:
                if o["id"] in same_cell and Path(o["inbox_path"]) != target:
                    Path(o["inbox_path"]).unlink(missing_ok=True)  # the newest file alone stands for the cell
                if o["id"] in same_cell:
                    con.execute("UPDATE upload SET inbox_path = NULL WHERE id = ?", (o["id"],))
            con.execute(statement("portal/place_upload"),
                        (str(target), "forced" if explanation else "passed", explanation, upload_id))


def force_upload(portal: Portal, account: Account, address: str | None, upload_id: int, explanation: str) -> dict:
    """强制上报: send a file whose check found warnings (never errors), with the department's explanation."""
    row = _own_upload(portal, account, upload_id)
    if row["state"] != "warning" or row["errors"]:
        raise Refused("只有仅有警告、没有错误的文件可以强制上报 / only a file with warnings and no errors can be forced", 409)
    explanation = (explanation or "").strip()
    if len(explanation) < MIN_EXPLANATION:
        raise Refused(f"请填写上报说明(至少 {MIN_EXPLANATION} 个字), 说明警告所列情况的原因 / an explanation is required")
    _send(portal, upload_id, explanation, account.name)
    portal.db.audit(account.name, address, "force", f"#{upload_id} {row['file_name']}: {explanation}")
    return upload_view(portal, upload_id)


def return_upload(portal: Portal, account: Account, address: str | None, upload_id: int, reason: str) -> dict:
    """退回: the office sends a passed or forced file back with a reason; it leaves the inbox."""
    if account.role != "office":
        raise Refused("仅考核办可以退回 / only the office can return a submission", 403)
    row = portal.db.one("SELECT * FROM upload WHERE id = ?", (upload_id,))
    if row is None or row["state"] not in ("passed", "forced"):
        raise Refused("只能退回已通过或强制上报的文件 / only a passed or forced file can be returned", 409)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写退回原因 / a reason is required")
    with portal.lock(row["department"]):
        if row["inbox_path"]:
            Path(row["inbox_path"]).unlink(missing_ok=True)
        with portal.db.connect() as con:
            con.execute(statement("portal/return_upload"), (reason, account.name, now(), upload_id))
    portal.db.audit(account.name, address, "return", f"#{upload_id} {row['department']} {row['file_name']}: {reason}")
    return upload_view(portal, upload_id)


def _own_upload(portal: Portal, account: Account, upload_id: int) -> dict:
    """The upload if `account` may see it (its department's, or any for office): else 403/404."""
    row = portal.db.one("SELECT * FROM upload WHERE id = ?", (upload_id,))
    if row is None:
        raise Refused("没有这个报送 / no such submission", 404)
    if account.role == "office" or (account.role == "department" and row["department"] == account.department):
        return row
    raise Refused("无权查看其他部门的报送 / not your department's submission", 403)


def upload_view(portal: Portal, upload_id: int, account: Account | None = None) -> dict:
    row = _own_upload(portal, account, upload_id) if account else portal.db.one("SELECT * FROM upload WHERE id = ?",
                                                                                (upload_id,))
    findings = json.loads(row["findings"]) if row["findings"] else {}
    return {"id": row["id"], "year": row["year"], "department": row["department"], "kind": row["kind"],
            "kind_label": _kind_label(portal, row["kind"]), "file_name": row["file_name"], "sha256": row["sha256"],
            "size": row["size"], "uploaded_at": row["uploaded_at"], "account": row["account"],
            "state": row["state"], "status": STATE_LABEL.get(row["state"], row["state"]),
            "errors": row["errors"], "warnings": row["warnings"], "in_inbox": row["inbox_path"] is not None,
            "explanation": row["explanation"], "returned_reason": row["returned_reason"],
            "returned_at": row["returned_at"], "compared_year": findings.get("compared_year"),
            "annotated_workbook": findings.get("annotated_workbook"),
            "findings": findings.get("rules", []), "evidence": evidence_of(portal, row["id"])}


def uploads(portal: Portal, year: int, department: str | None = None) -> list[dict]:
    ids = portal.db.all("SELECT id FROM upload WHERE year = ? AND (? IS NULL OR department = ?) ORDER BY id DESC",
                        (year, department, department))
    return [upload_view(portal, r["id"]) for r in ids]


def cell_status(portal: Portal, year: int, department: str) -> list[dict]:
    """Per kind the department owes: status of its newest upload, last change, deadline, days left."""
    today = date.today()
    out = []
    for cell in portal.cells(department, year):
        latest = portal.db.one(statement("portal/latest_cell_upload"), (year, department, cell.kind))
        in_use = portal.db.one(statement("portal/cell_in_inbox"), (year, department, cell.kind))
        done = in_use is not None
        state = latest["state"] if latest else None
        out.append({"kind": cell.kind, "label": cell.label, "deadline": cell.deadline.isoformat(),
                    "days_left": (cell.deadline - today).days, "overdue": not done and today > cell.deadline,
                    "state": state, "status": STATE_LABEL.get(state, "未报送"),
                    "last_change": (latest["returned_at"] or latest["uploaded_at"]) if latest else None,
                    "latest_id": latest["id"] if latest else None, "in_use_id": in_use["id"] if in_use else None})
    return out


def mark_interrupted(portal: Portal) -> int:
    """Uploads a killed portal left mid-check: said so (the department uploads again); the inbox is
    untouched (only a checked file is placed, atomically)."""
    with portal.db.connect() as con:
        return con.execute("UPDATE upload SET state = 'interrupted', errors = 1, findings = ? WHERE state = 'checking'",
                           (json.dumps({"rules": [{"rule_id": "portal.interrupted", "severity": "error",
                                                    "severity_text": "错误(退回)", "rule": "检查过程中服务中断, 请重新上传",
                                                    "rows": [], "expected": None, "fix": None, "count": None}]},
                                       ensure_ascii=False),)).rowcount



def template_bytes(portal: Portal, department: str, year: int, kind: str) -> tuple[str, bytes]:
    """The department's Excel template for `kind` (file name, bytes), with last year's accepted values
    from the snapshot, built in a scratch copy: the office's warehouse is never opened."""
    import tempfile

    from transforms.intake.excel_template import write_template
    from transforms.runtime.warehouse import load_config, open_warehouse

    if kind != "indicators":
        raise Refused("该类型的 Excel 模板尚未提供, 请按考核办下发的格式填报 / no template for this kind yet", 404)
    with tempfile.TemporaryDirectory(prefix="ecoassess-portal-template-") as tmp:
        scratch = Home.resolve(tmp)
        if portal.home.snapshot.exists():
            with open(portal.home.snapshot, "rb") as src:
                write_atomically(scratch.warehouse, iter(lambda: src.read(CHUNK), b""))
        with open_warehouse(scratch) as con:
            load_config(con, portal.fw, framework_path(portal.framework_id))
            target = Path(tmp) / "template.xlsx"
            write_template(con, portal.fw, department, year, target)
        name = f"{portal.departments[department].name}_{year}年考核数据填报模板.xlsx"
        return name, target.read_bytes()


def attach_evidence(portal: Portal, account: Account, address: str | None, upload_id: int, raw_name: str,
                    stream: BinaryIO, note: str, cites: dict[str, str] | None = None) -> dict:
    """佐证材料: a PDF or image attached to one of the department's uploads, type- and size-checked,
    archived unchanged beside it. `cites` says what it proves: `event_id` (an event of the file), or
    `region_code` with an optional `indicator_code` (a county's value); none of them: the whole file.
    The department's `.evidence.json` in the inbox is rewritten, so the next run lists it in the
    reports that cite the file, the event or the value."""
    row = _own_upload(portal, account, upload_id)
    if account.role != "department":
        raise Refused("佐证材料由报送部门上传 / evidence is attached by the department", 403)
    cites = evidence_cites(portal, row["department"], cites or {})
    name, reason = clean_file_name(raw_name, set(EVIDENCE_SUFFIXES))
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    reason = reason or evidence_refusal(name, stream.read(16), size)
    if reason:
        raise Refused(reason, 413 if "上限" in reason else 415)
    folder = private_dir(private_dir(Path(row["archive"]).parent / "evidence"))
    with portal.db.connect() as con:
        eid = con.execute(statement("portal/new_evidence"),
                          (upload_id, name, size, (note or "").strip()[:500], now(), account.name, address,
                           cites["event_id"], cites["region_code"], cites["indicator_code"])).fetchone()[0]
    path = folder / f"{eid:06d}-{name}"
    sha = _archive(stream, path)
    with portal.lock(row["department"]):  # the sidecar is rewritten whole: one writer per department
        with portal.db.connect() as con:
            con.execute("UPDATE evidence SET sha256 = ?, path = ? WHERE id = ?", (sha, str(path), eid))
        record_evidence(portal.inbox, row["year"], row["department"],
                        portal.db.all(statement("portal/department_evidence"), (row["year"], row["department"])))
    portal.db.audit(account.name, address, "evidence", f"#{upload_id} {name} sha256={sha} cites={cites}")
    return evidence_of(portal, upload_id)[-1]


def evidence_cites(portal: Portal, department: str, given: dict[str, str]) -> dict[str, str | None]:
    """What a 佐证材料 proves, checked: an event id (letters, digits, `-_.`, at most 64), a county of the
    jurisdiction, an indicator the department reports. Refused (400) with a Chinese reason otherwise."""
    event_id = str(given.get("event_id") or "").strip() or None
    region = str(given.get("region_code") or "").strip() or None
    indicator = str(given.get("indicator_code") or "").strip() or None
    if event_id and (len(event_id) > 64 or not re.fullmatch(r"[\w.\-]+", event_id)):
        raise Refused("事件编号只能由字母、数字和“-_.”组成，且不超过64个字符 / invalid event id", 400)
    if region and region not in portal.counties():
        raise Refused(f"“{region}”不是本辖区的县（市、区）代码 / not a county of the jurisdiction", 400)
    if indicator and indicator not in {i.code for i in portal.fw.indicators if i.department == department}:
        raise Refused(f"“{indicator}”不是本单位报送的指标 / not an indicator of the department", 400)
    if indicator and not region:
        raise Refused("请选择该指标数值所属的县（市、区） / choose the county of the value", 400)
    return {"event_id": event_id, "region_code": region, "indicator_code": indicator}


def evidence_of(portal: Portal, upload_id: int) -> list[dict]:
    """The upload's 佐证材料, each with what it proves in the words the reports use
    (transforms/sql/reporting/evidence.sql): 事件…, a county and an indicator (or 全部数据), 整份文件."""
    found = portal.db.all(statement("portal/upload_evidence"), (upload_id,))
    counties = portal.counties() if any(e["region_code"] for e in found) else {}
    names = {i.code: i.name for i in portal.fw.indicators}

    def proves(e: dict) -> str:
        if e["event_id"]:
            return f"事件{e['event_id']}"
        if e["region_code"]:
            code = e["indicator_code"]
            return counties.get(e["region_code"], e["region_code"]) + (names.get(code, code) if code else "全部数据")
        return "整份文件"

    return [e | {"proves": proves(e)} for e in found]
