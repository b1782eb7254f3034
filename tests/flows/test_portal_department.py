"""The department's journey through the portal: the run's own checks at upload, the steward report
and annotated workbook, 强制上报 for warnings only, resubmission, versions, and what reaches the inbox."""

from __future__ import annotations

import hashlib
import io
import json

import openpyxl

from tests.support.portal import BAD, GOOD, WARN, client, csrf_of, inbox_files, login, upload


def test_bad_file_is_refused_with_the_runs_findings_and_never_reaches_the_inbox(portal_env):
    c = client(portal_env)
    page = login(c, "lyj1")
    assert page.url.path == "/department" and "市林业局" in page.text and "未报送" in page.text
    r = upload(c, page.text, BAD)
    assert r.status_code == 200 and "已退回" in r.text
    assert "丙县" in r.text and "填报值“150”" in r.text  # the row the run's range rule names
    assert "已与2024年已审核数据比较" in r.text  # last year's accepted values came from the snapshot
    assert inbox_files(portal_env.inbox) == []
    listed = c.get("/api/submissions", params={"year": 2025}).json()
    (only,) = listed["submissions"]
    assert only["state"] == "rejected" and only["errors"] == 1 and len(only["sha256"]) == 64
    assert only["compared_year"] == 2024
    # the annotated workbook marks the cell; the full steward report is served in a sandbox
    wb = openpyxl.load_workbook(io.BytesIO(c.get(f"/uploads/{only['id']}/annotated").content))
    ws = wb.worksheets[0]
    assert any(cell.comment and "150" in str(cell.value) for row in ws.iter_rows() for cell in row)
    report = c.get(f"/uploads/{only['id']}/report")
    assert "sandbox" in report.headers["content-security-policy"] and "森林覆盖率" in report.text
    assert c.get(f"/uploads/{only['id']}/file").content == BAD  # archived unchanged


def test_warnings_are_held_until_sent_with_an_explanation(portal_env):
    c = client(portal_env)
    page = login(c, "lyj1")
    r = upload(c, page.text, WARN)
    assert "有警告" in r.text and 'id="force-form"' in r.text
    assert inbox_files(portal_env.inbox) == []
    upload_id = c.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["id"]
    short = c.post("/department/force", data={"csrf": csrf_of(r.text), "id": upload_id, "explanation": "太短"})
    assert short.status_code == 400 and "上报说明" in short.text
    done = c.post("/department/force", data={"csrf": csrf_of(r.text), "id": upload_id,
                                             "explanation": "丙县林地调查数据2026年3月发布，届时补报"})
    assert done.status_code == 200 and "强制上报" in done.text and "届时补报" in done.text
    confirmations, placed = inbox_files(portal_env.inbox)
    assert placed.relative_to(portal_env.inbox).parts == ("2025", "lyj", "林业局_2025.csv")
    assert placed.read_bytes() == WARN
    # the explanation travels with the file, in a dot-file the run's pull does not take as a delivery
    assert confirmations.name == ".confirmations.json" and confirmations.parent == placed.parent
    entry = json.loads(confirmations.read_text("utf-8"))[hashlib.sha256(WARN).hexdigest()]
    assert entry["reason"] == "丙县林地调查数据2026年3月发布，届时补报" and entry["person"] == "lyj1"
    # a file with errors can never be forced
    bad = upload(c, done.text, BAD)
    bad_id = c.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["id"]
    refused = c.post("/department/force", data={"csrf": csrf_of(bad.text), "id": bad_id,
                                                "explanation": "无论如何请受理这个文件吧"})
    assert refused.status_code == 409
    assert inbox_files(portal_env.inbox) == [confirmations, placed] and placed.read_bytes() == WARN


def test_the_explanation_names_the_account_that_sent_the_file_anyway(portal_env):
    """The run records the confirming user from `.confirmations.json`: the account that pressed
    强制上报, not the colleague who uploaded the file."""
    from tests.support.portal import PASSWORD
    from transforms.portal.accounts import add_account

    add_account(portal_env.portal.db, "lyj2", "department", "lyj", PASSWORD, {"lyj"})
    uploader, forcer = client(portal_env), client(portal_env)
    upload(uploader, login(uploader, "lyj1").text, WARN)
    upload_id = uploader.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["id"]
    page = login(forcer, "lyj2")
    done = forcer.post("/department/force", data={"csrf": csrf_of(page.text), "id": upload_id,
                                                  "explanation": "丙县林地调查数据2026年3月发布，届时补报"})
    assert done.status_code == 200 and "强制上报" in done.text
    confirmations, _ = inbox_files(portal_env.inbox)
    assert json.loads(confirmations.read_text("utf-8"))[hashlib.sha256(WARN).hexdigest()]["person"] == "lyj2"


def test_resubmission_replaces_the_inbox_file_and_every_version_is_kept(portal_env):
    c = client(portal_env)
    page = login(c, "lyj1")
    upload(c, page.text, BAD, name="林业局_2025.csv")
    upload(c, page.text, WARN, name="林业局_2025_第二稿.csv")
    r = upload(c, page.text, GOOD, name="林业局_2025_更正.csv")
    assert "已通过" in r.text
    (placed,) = inbox_files(portal_env.inbox)
    assert placed.name == "林业局_2025_更正.csv" and placed.read_bytes() == GOOD
    versions = c.get("/api/submissions", params={"year": 2025}).json()
    assert [v["state"] for v in versions["submissions"]] == ["passed", "warning", "rejected"]
    assert [v["in_inbox"] for v in versions["submissions"]] == [True, False, False]
    assert versions["status"]["lyj"][0]["status"] == "已通过"
    for v in versions["submissions"]:
        assert v["sha256"] in r.text or v["sha256"][:16] in r.text  # every version listed with its hash
    # the same content again is a new upload (its own time and user), the inbox still one file
    upload(c, r.text, GOOD, name="林业局_2025_更正.csv")
    assert len(inbox_files(portal_env.inbox)) == 1


def test_template_download_comes_from_the_snapshot(portal_env):
    c = client(portal_env)
    login(c, "lyj1")
    r = c.get("/template/2025/indicators")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    text = json.dumps([[c.value for c in row] for ws in wb.worksheets for row in ws.iter_rows()], ensure_ascii=False,
                      default=str)
    assert "森林覆盖率(%)" in text and "甲县" in text
    assert "55" in text  # last year's accepted value on the reference sheet, read from the snapshot


def test_api_login_and_submission(portal_env):
    c = client(portal_env)
    who = c.post("/api/login", json={"name": "lyj1", "password": "correct horse battery"}).json()
    assert who["role"] == "department" and who["department"] == "lyj"
    r = c.post("/api/submissions", data={"year": "2025", "kind": "indicators"},
               files={"file": ("lyj.csv", GOOD, "text/csv")}, headers={"X-CSRF-Token": who["csrf"]})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "已通过" and body["findings"] == [] and body["in_inbox"]
    r = c.post("/api/submissions", data={"year": "2025", "kind": "indicators"},
               files={"file": ("lyj.csv", BAD, "text/csv")}, headers={"X-CSRF-Token": who["csrf"]})
    assert r.json()["status"] == "已退回" and r.json()["findings"][0]["severity"] == "error"


def test_the_run_leaves_a_snapshot_the_portal_reads(portal_env):
    """`stages.leave_snapshot`: a checkpointed copy, replaced atomically, a killed copy's temporary removed."""
    import duckdb

    from flows.stages import RunSpec, leave_snapshot
    from transforms.runtime.home import Home

    home = Home.locate(portal_env.home)
    stale = home.snapshot.parent / ".warehouse.duckdb.999-dead.tmp"
    stale.write_bytes(b"half")
    before = home.snapshot.stat().st_ino
    leave_snapshot(RunSpec(home, "mini", 2024, None))
    assert not stale.exists() and home.snapshot.stat().st_ino != before  # a new file renamed into place
    assert oct(home.snapshot.stat().st_mode & 0o777) == "0o640"
    con = duckdb.connect(str(home.snapshot), read_only=True)
    assert con.sql("SELECT department, year FROM current_submission ORDER BY department").fetchall() == [
        ("lyj", 2024), ("zrzyj", 2024)]
    con.close()


def test_evidence_attachments_are_type_and_size_checked_and_kept_unchanged(portal_env):
    c = client(portal_env)
    page = upload(c, login(c, "lyj1").text, GOOD)
    upload_id = c.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["id"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = c.post("/department/evidence", data={"csrf": csrf_of(page.text), "id": upload_id, "note": "甲县林地核查报告"},
               files={"file": ("核查报告.pdf", pdf, "application/pdf")})
    assert r.status_code == 200 and "核查报告.pdf" in r.text and "甲县林地核查报告" in r.text
    (evidence,) = c.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["evidence"]
    assert evidence["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert c.get(f"/evidence/{evidence['id']}").content == pdf
    for name, body, status in (("virus.pdf", b"MZ\x90\x00" + b"\0" * 100, 415), ("notes.docx", b"PK\x03\x04", 415),
                               ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (20 << 20), 413)):
        r = c.post("/department/evidence", data={"csrf": csrf_of(page.text), "id": upload_id},
                   files={"file": (name, body, "application/octet-stream")})
        assert r.status_code == status, name
    other = client(portal_env)
    login(other, "zrzyj1")
    assert other.get(f"/evidence/{evidence['id']}").status_code == 403
    office = client(portal_env)
    login(office, "office1")
    assert "核查报告.pdf" in office.get("/office/department/lyj", params={"year": 2025}).text
    assert office.get(f"/evidence/{evidence['id']}").content == pdf
    reviewer = client(portal_env)
    login(reviewer, "reviewer1")  # reviewers read the reports that cite it
    assert reviewer.get(f"/evidence/{evidence['id']}").content == pdf


def test_evidence_says_what_it_proves_and_the_next_run_records_it(portal_env):
    """佐证材料 for an event, a county's value or the whole file: checked, kept in `.evidence.json` beside
    the department's files, and recorded by the run's ingest against the submission with those bytes."""
    from flows.stages import RunSpec, ingest
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import open_warehouse, rows

    c = client(portal_env)
    page = upload(c, login(c, "lyj1").text, GOOD)
    upload_id = c.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["id"]
    pdf, png = b"%PDF-1.4\n%%EOF\n", b"\x89PNG\r\n\x1a\n" + b"\0" * 64

    def attach(name: str, body: bytes, **cites):
        return c.post("/department/evidence", data={"csrf": csrf_of(page.text), "id": upload_id, "note": name} | cites,
                      files={"file": (name, body, "application/octet-stream")})

    assert attach("甲县林地核查.pdf", pdf, region_code="990001", indicator_code="A").status_code == 200
    assert attach("整份说明.png", png).status_code == 200
    assert attach("事件照片.png", png, event_id="EV-2025-003").status_code == 200
    refused = {"乙县 of another jurisdiction": attach("x.pdf", pdf, region_code="360702"),
               "an indicator of another department": attach("x.pdf", pdf, region_code="990001", indicator_code="C"),
               "an indicator without its county": attach("x.pdf", pdf, indicator_code="A"),
               "an event id with markup": attach("x.pdf", pdf, event_id="<b>1</b>")}
    assert {why: r.status_code for why, r in refused.items()} == dict.fromkeys(refused, 400)
    assert "不是本辖区的县（市、区）代码" in refused["乙县 of another jurisdiction"].text
    shown = c.get("/department", params={"year": 2025, "shown": upload_id}).text  # in the reports' words
    assert all(f"证明：{what}" in shown for what in ("甲县森林覆盖率", "整份文件", "事件EV-2025-003"))
    sidecar = json.loads((portal_env.inbox / "2025" / "lyj" / ".evidence.json").read_text("utf-8"))
    assert list(sidecar) == [hashlib.sha256(GOOD).hexdigest()]
    assert [(e["file_name"], e["event_id"], e["region_code"], e["indicator_code"]) for e in sidecar[list(sidecar)[0]]] \
        == [("甲县林地核查.pdf", None, "990001", "A"), ("整份说明.png", None, None, None),
            ("事件照片.png", "EV-2025-003", None, None)]

    spec = RunSpec(Home.locate(portal_env.home), "mini", 2025, portal_env.inbox)
    assert ingest(spec)["new_evidence"] == 3
    assert ingest(spec)["new_evidence"] == 0
    with open_warehouse(spec.home) as con:
        recorded = rows(con, "SELECT s.file_name, e.file_name, e.sha256, e.region_code, e.indicator_code "
                             "FROM evidence e JOIN submission s USING (submission_id) ORDER BY e.evidence_no")
    assert recorded[0] == ("林业局_2025.csv", "甲县林地核查.pdf", hashlib.sha256(pdf).hexdigest(), "990001", "A")
    assert len(recorded) == 3
