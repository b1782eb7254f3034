"""The office's side of the portal: the matrix with overdue cells, 退回 with a reason the department
sees, the 督办 list as .xlsx, the audit log, publishing; accounts managed with `ecoassess user`."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from typer.testing import CliRunner

from flows.cli import app as cli
from tests.support.portal import GOOD, client, csrf_of, inbox_files, login, upload


def test_matrix_return_and_overdue_list(portal_env):
    dept = client(portal_env)
    upload(dept, login(dept, "lyj1").text, GOOD)
    (placed,) = inbox_files(portal_env.inbox)
    office = client(portal_env)
    page = login(office, "office1")
    assert page.url.path == "/office"
    matrix = page.text[page.text.index('id="matrix"'):page.text.index("</table>", page.text.index('id="matrix"'))]
    assert "市林业局" in matrix and "已通过" in matrix and "市自然资源局" in matrix and "未报送" in matrix
    # 2025's deadline (2026-02-28) has passed on this machine's clock only after that date
    overdue = date.today() > date(2026, 2, 28)
    assert ("overdue-cell" in matrix) == overdue
    # 督办 list: every cell without a file in use, overdue marked
    wb = openpyxl.load_workbook(io.BytesIO(office.get("/office/overdue.xlsx", params={"year": 2025}).content))
    rows = [[c.value for c in r] for r in wb.active.iter_rows(min_row=3)]
    # 市林业局 has its file; data/portal.yaml adds events to 市生态环境局 and rosters to 市委组织部
    assert sorted((r[0], r[1]) for r in rows) == sorted([("市委组织部", "领导干部任职名单"), ("市生态环境局", "考核指标数据"),
                                                         ("市生态环境局", "生态环境事件"), ("市自然资源局", "考核指标数据")])
    assert all(r[5] == ("已逾期" if overdue else "未逾期") for r in rows)
    # 退回 with a reason: the file leaves the inbox, the department sees the reason
    upload_id = office.get("/api/submissions", params={"year": 2025}).json()["submissions"][0]["id"]
    detail = office.get("/office/department/lyj", params={"year": 2025})
    r = office.post("/office/return", data={"csrf": csrf_of(detail.text), "id": upload_id,
                                            "reason": "甲县数据与统计年鉴不符，请核实"})
    assert r.status_code == 200 and "已退回" in r.text
    assert not placed.exists() and inbox_files(portal_env.inbox) == []
    seen = dept.get("/department").text
    assert "已退回" in seen and "甲县数据与统计年鉴不符" in seen
    audit = office.get("/office/audit").text
    assert "return" in audit and "upload" in audit and "lyj1" in audit


def test_user_commands(portal_env, monkeypatch):
    runner = CliRunner()
    home = ["--home", str(portal_env.home)]
    out = runner.invoke(cli, ["user", "add", "ny1", "--role", "department", "--department", "市农业农村局",
                              "--password-stdin", *home], input="a long enough password\n")
    assert out.exit_code == 0, out.output
    row = portal_env.portal.db.one("SELECT * FROM account WHERE name = 'ny1'")
    assert row["department"] == "nyncj" and row["password_hash"].startswith("$argon2id$")
    assert runner.invoke(cli, ["user", "add", "x", "--role", "department", "--password-stdin", *home],
                         input="a long enough password\n").exit_code == 2  # a department account needs one
    assert runner.invoke(cli, ["user", "add", "y", "--role", "office", "--password-stdin", *home],
                         input="short\n").exit_code == 2
    c = client(portal_env)
    assert login(c, "ny1", "a long enough password").url.path == "/department"
    assert runner.invoke(cli, ["user", "disable", "ny1", *home]).exit_code == 0
    assert c.get("/department", follow_redirects=False).status_code == 303  # the open session ended at once
    assert login(client(portal_env), "ny1", "a long enough password").status_code == 401
    assert runner.invoke(cli, ["user", "reset", "ny1", "--password-stdin", *home],
                         input="another long password\n").exit_code == 0
    assert login(client(portal_env), "ny1", "another long password").url.path == "/department"
    listed = runner.invoke(cli, ["user", "list", *home]).output
    assert "ny1" in listed and "nyncj" in listed and "office1" in listed
    actions = [a["action"] for a in portal_env.portal.db.all("SELECT action FROM audit WHERE account = 'cli'")]
    assert actions == ["user-add", "user-disable", "user-reset"]
