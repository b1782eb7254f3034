"""The year's index page, driven in Debian's headless Chromium as a reader would use it: filter, sort,
follow a link; from file://, with no request leaving the folder. Never skipped: `make setup` installs
chromium (see tests/support/chromium.py for how the browser is driven and why)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.publish import publish
from report_templates.render import Renderer
from tests.support.chromium import Chromium
from tests.support.report_contexts import bulletin_context, cadre_context, county_context, department_head_context
from transforms.runtime.home import DIR_MODE, FILE_MODE

# (code, name, gdi, rank, grade, vetoed): four counties, one without an index (no accepted data)
COUNTIES = [("360702", "章贡区", 83.41, 3, "不合格", True), ("360730", "宁都县", 86.99, 1, "良好", False),
            ("360734", "寻乌县", 82.38, 4, "合格", False), ("360783", "龙南市", None, None, "不合格", False)]
ODD_NAME = "陈<i>晓</i>"  # roster text with markup: must be shown as typed, never interpreted


def _docs() -> list[tuple[str, str, str, dict]]:
    docs = [("bulletin", "bulletin", "公报", bulletin_context())]
    for code, name, gdi, rank, grade, vetoed in COUNTIES:
        ctx = county_context()
        ctx["county"] |= {"region_code": code, "name": name}
        ctx["result"] |= {"gdi": gdi, "rank": rank, "grade": grade, "vetoed": vetoed}
        ctx["doc"] = ctx["doc"] | {"title": f"{name}2025年度生态文明建设评价考核报告"}
        docs.append(("county", code, ctx["doc"]["title"], ctx))
    for key, build in (("C002", cadre_context), ("C043", department_head_context), ("C099", cadre_context)):
        ctx = build()
        if key == "C099":
            ctx["cadre"] |= {"cadre_id": key, "name": ODD_NAME}
            ctx["doc"] = ctx["doc"] | {"title": f"{ODD_NAME}同志2025年度生态文明建设考核结果"}
        docs.append(("cadre", key, ctx["doc"]["title"], ctx))
    return docs


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("home") / "reports" / "2025"
    publish(_docs(), out, "r-test", 2025, "ganzhou_2024", pdf=False, renderer=Renderer(pdf=False))
    return out


def test_index_is_listed_in_the_manifest_and_private(site):
    manifest = json.loads((site / "manifest.json").read_text("utf-8"))
    assert manifest["index"]["html"] == "index.html" and (site / "index.html").exists()
    assert len(manifest["reports"]) == 1 + len(COUNTIES) + 3
    for path in [site, site / "county", site / "cadre"]:
        assert path.stat().st_mode & 0o777 == DIR_MODE, path
    for path in site.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o007 == 0 and path.stat().st_mode & 0o777 <= FILE_MODE, path
    html = (site / "index.html").read_text("utf-8")
    assert "陈&lt;i&gt;晓&lt;/i&gt;" in html and ODD_NAME not in html
    assert "<link" not in html and 'src="' not in html and "http" not in html  # no external asset of any kind
    assert html.count("<tr data-kind=") == len(COUNTIES) + 3  # without JavaScript: the whole table


def test_index_in_headless_chromium_filters_sorts_and_follows_links(site):
    index = (site / "index.html").as_uri()
    visible = ("[...document.querySelectorAll('#docs tbody tr')].filter(r => !r.hidden)"
               ".map(r => r.querySelector('td[data-col=name]').textContent)")
    with Chromium() as b:
        b.open(index)
        assert b.eval("document.documentElement.dataset.ready") == "1"
        assert b.eval(visible) == ["章贡区", "宁都县", "寻乌县", "龙南市", "王建国", "苏海燕", ODD_NAME]
        assert b.eval("document.getElementById('count').textContent") == "显示 7 / 7 项"
        # nothing was fetched but the page itself (no CSS, font, script or analytics from anywhere)
        assert b.requested_urls() == [index]

        # filter: typing narrows as you type, and the state goes to the query string
        # (names, codes, posts and grades are searched: 寻乌 finds the county and the cadres posted there)
        b.eval("var q = document.getElementById('q'); q.value = '寻乌'; q.dispatchEvent(new Event('input'))")
        assert b.eval(visible) == ["寻乌县", "王建国", ODD_NAME]
        assert "q=%E5%AF%BB%E4%B9%8C" in b.eval("location.search")
        b.eval("q.value = 'c04'; q.dispatchEvent(new Event('input'))")  # case-insensitive, codes too
        assert b.eval(visible) == ["苏海燕"]
        b.eval("q.value = ''; q.dispatchEvent(new Event('input'));"
               "var k = document.getElementById('kind'); k.value = 'cadre'; k.dispatchEvent(new Event('change'))")
        assert b.eval(visible) == ["王建国", "苏海燕", ODD_NAME]
        b.eval("k.value = ''; k.dispatchEvent(new Event('change'));"
               "var v = document.getElementById('veto'); v.click()")
        assert b.eval(visible) == ["章贡区", "王建国", ODD_NAME]  # the county and the cadres whose county was vetoed
        b.eval("document.getElementById('reset').click()")

        # sort: a click sorts ascending, a second click descending; a missing index stays last both ways
        header = "document.querySelector('th[data-col=score] button').click()"
        b.eval(header)
        assert b.eval(visible) == ["王建国", ODD_NAME, "苏海燕", "寻乌县", "章贡区", "宁都县", "龙南市"]
        assert b.eval("document.querySelector('th[data-col=score]').getAttribute('aria-sort')") == "ascending"
        b.eval(header)
        assert b.eval(visible) == ["宁都县", "章贡区", "寻乌县", "苏海燕", "王建国", ODD_NAME, "龙南市"]
        assert "sort=score&dir=desc" in b.eval("location.search")
        # by grade: in the framework's order (优秀 → 不合格), not alphabetically; ties keep rank order
        b.eval("document.querySelector('th[data-col=grade] button').click()")
        assert b.eval(visible) == ["宁都县", "寻乌县", "王建国", ODD_NAME, "章贡区", "龙南市", "苏海燕"]

        # a bookmarked view opens as it was left
        b.open(index + "?kind=county&sort=rank&dir=asc")
        assert b.eval(visible) == ["宁都县", "章贡区", "寻乌县", "龙南市"]
        assert b.eval("document.getElementById('kind').value") == "county"

        # follow a link: the county report opens, from the file system, with nothing fetched
        b.click_and_wait_load("document.querySelector('#docs tbody tr:not([hidden]) td[data-col=name] a').click()")
        assert b.eval("location.href") == (site / "county" / "360730.html").as_uri()
        assert b.eval("document.title") == "宁都县2025年度生态文明建设评价考核报告"
        assert b.eval("document.querySelectorAll('svg').length") >= 1
        assert [u for u in b.requested_urls() if not u.startswith("file://")] == []

        # the markup in a roster name is text on the page
        b.open(index + "?q=" + "陈")
        assert b.eval(visible) == [ODD_NAME]
        assert b.eval("document.querySelectorAll('#docs i').length") == 0
