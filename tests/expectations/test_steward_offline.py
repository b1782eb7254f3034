"""The steward report is the readable validation result (GX's Data Docs, which load scripts and styles
from a CDN, are no longer built): it opens in headless Chromium from file:// with the network cut off
(a proxy on a closed loopback port), requests nothing outside its file, and shows its rules styled."""

from __future__ import annotations

from expectations.steward import write_steward_reports
from tests.support.chromium import FLAGS, Chromium
from tests.support.report_contexts import steward_context


def test_steward_report_works_offline_in_chromium(tmp_path, monkeypatch):
    report = steward_context()["report"] | {"submission_id": 7, "sheet_reason": "工作表名称含“考核数据”",
                                            "signatures": [], "confirmations": []}
    write_steward_reports(report, tmp_path, "测试指标体系", "赣州市")
    page = tmp_path / "steward.html"
    html = page.read_text("utf-8")
    assert "http://" not in html and "https://" not in html and "<link" not in html  # nothing fetched

    monkeypatch.setattr("tests.support.chromium.FLAGS", FLAGS + ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"])
    with Chromium() as browser:
        browser.send("Network.enable", session=True)
        browser.open(page.as_uri())
        assert {u.split(":", 1)[0] for u in browser.requested_urls()} == {"file"}
        assert "市林业局" in browser.eval("document.body.innerText")
        assert "森林覆盖率应在0–100之间" in browser.eval("document.body.innerText")
        # its stylesheet is inline, so it is there offline
        assert browser.eval("[...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)") > 20
