"""The portal in a real browser: headless Chromium over the DevTools pipe (tests/support/chromium.py)
against the real `ecoassess portal` on loopback. A department clerk logs in, downloads the template,
uploads a bad file, reads the findings, fixes it, resubmits and sees 已通过; the office sees it in
the matrix. Screenshots are left in the test's folder to be looked at."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from tests.support.chromium import Chromium
from tests.support.portal import BAD, GOOD, PASSWORD, Server


def _login(b: Chromium, url: str, name: str) -> None:
    b.open(url + "/")
    assert "/login" in b.eval("location.pathname")
    b.eval(f"document.getElementById('name').value = {name!r}; "
           f"document.getElementById('password').value = {PASSWORD!r}")
    b.click_and_wait_load("document.getElementById('login').click()")


def _upload(b: Chromium, path: Path) -> None:
    root = b.send("DOM.getDocument", session=True)["root"]["nodeId"]
    node = b.send("DOM.querySelector", session=True, nodeId=root, selector="#file-indicators")["nodeId"]
    b.send("DOM.setFileInputFiles", session=True, nodeId=node, files=[str(path)])
    b.click_and_wait_load("document.getElementById('upload-indicators').click()")


def test_department_journey_and_office_matrix_in_chromium(prepared_portal, tmp_path, monkeypatch):
    for part in ("data", "home", "inbox"):
        shutil.copytree(prepared_portal / part, tmp_path / part, symlinks=True)
    monkeypatch.setenv("ECOASSESS_DATA", str(tmp_path / "data"))
    bad, good = tmp_path / "林业局_2025.csv", tmp_path / "林业局_2025_更正.csv"
    bad.write_bytes(BAD)
    good.write_bytes(GOOD)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with Server(tmp_path) as server, Chromium(timeout=120) as b:
        _login(b, server.url, "lyj1")
        assert b.eval("location.pathname") == "/department"
        assert b.eval("document.cookie") == ""  # HttpOnly: the session is not visible to scripts
        assert b.eval("document.querySelector('#cell-indicators').dataset.status") == "未报送"
        # the template, downloaded as a clerk does: a click on the link
        b.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        b.eval("document.getElementById('template-indicators').click()")
        deadline = time.monotonic() + 60
        while not [p for p in downloads.iterdir() if p.suffix == ".xlsx"]:
            assert time.monotonic() < deadline, list(downloads.iterdir())
            time.sleep(0.2)
        (template,) = [p for p in downloads.iterdir() if p.suffix == ".xlsx"]
        assert template.name == "市林业局_2025年考核数据填报模板.xlsx" and template.stat().st_size > 4000
        # a bad file: refused, the findings in the page
        _upload(b, bad)
        assert b.eval("document.querySelector('#cell-indicators').dataset.status") == "已退回"
        findings = b.eval("document.querySelector('table.findings').innerText")
        assert "丙县" in findings and "150" in findings
        assert b.eval("!!document.getElementById('annotated')")
        b.screenshot(tmp_path / "department-rejected.png")
        # fixed and sent again
        _upload(b, good)
        assert b.eval("document.querySelector('#cell-indicators').dataset.status") == "已通过"
        assert b.eval("document.querySelectorAll('table.versions tbody tr').length") == 2
        b.screenshot(tmp_path / "department-passed.png")
        assert all(u.startswith(server.url) for u in b.requested_urls())  # every asset local
        # the office's matrix
        b.click_and_wait_load("document.querySelector('header form button').click()")  # log out
        _login(b, server.url, "office1")
        assert b.eval("location.pathname") == "/office"
        matrix = b.eval("document.getElementById('matrix').innerText")
        assert "市林业局" in matrix and "已通过" in matrix and "未报送" in matrix
        b.screenshot(tmp_path / "office-matrix.png")
    assert [p.name for p in (tmp_path / "inbox" / "2025" / "lyj").iterdir()] == [good.name]
