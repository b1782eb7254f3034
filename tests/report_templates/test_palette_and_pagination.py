"""The documents' colours and page thresholds come from data/defaults.yaml: the stylesheets get the
palette as custom properties, the SVG charts the same values; no colour is written into a template
or stylesheet; changing a threshold in the file changes the document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from report_templates.render import HERE, Renderer
from tests.support.report_contexts import bulletin_context, county_context
from transforms.config.defaults import DATA_DIR, FILE

HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")


@pytest.fixture
def changed(tmp_path, monkeypatch) -> dict:
    doc = yaml.safe_load((DATA_DIR / FILE).read_text("utf-8"))
    doc["palette"]["colours"] |= {"accent": "#123456", "muted": "#654321", "warn": "#0a0b0c"}
    doc["pagination"] |= {"ranking_panel_rows": 5, "landscape_categories_above": 4, "indicator_rows_own_page": 10}
    (tmp_path / FILE).write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    monkeypatch.setenv("ECOASSESS_DATA", str(tmp_path))
    return doc


def test_no_colour_is_written_into_a_template_or_stylesheet():
    found = [f"{p.name}: {m}" for p in sorted(HERE.glob("*.css")) + sorted(HERE.glob("*.j2"))
             for m in HEX.findall(p.read_text("utf-8"))]
    assert found == []


def test_charts_and_stylesheet_follow_the_palette(changed):
    html = Renderer(pdf=False).render_html("bulletin", bulletin_context())
    style, body = html.split("</style>", 1)
    assert "--accent: #123456;" in style and "--muted: #654321;" in style and ".grade-合格 { color: var(--warn); }" in style
    chart = body.split('class="chart ranking-dots"')[1].split("</figure>")[0]
    assert 'fill="#123456"' in chart and 'fill="#654321"' in chart  # dots and axis labels
    strip = body.split('aria-label="考核等级分布"')[1].split("</svg>")[0]
    assert 'fill="#0a0b0c"' in strip  # the 合格 block, the colour of the grade's text
    assert "#8b1a1a" not in html and "#66615f" not in html  # the shipped accent and muted are gone everywhere


def test_page_thresholds_follow_the_file(changed):
    renderer = Renderer(pdf=False)
    body = renderer.render_html("bulletin", bulletin_context(), inline_css=False)
    chart = body.split('class="chart ranking-dots"')[1].split("</figure>")[0]
    assert chart.count("<svg") == 4  # 18 counties in panels of 5
    assert 'class="ranking-section wide"' in body  # 5 categories > 4
    county = renderer.render_html("county", county_context(), inline_css=False)
    assert '<h2 id="indicators" class="flowing">' in county  # 38 rows > 10: the table flows on


def test_the_shipped_thresholds():
    renderer = Renderer(pdf=False)
    body = renderer.render_html("bulletin", bulletin_context(), inline_css=False)
    assert body.split('class="chart ranking-dots"')[1].split("</figure>")[0].count("<svg") == 1  # 18 ≤ 44
    assert 'class="ranking-section"' in body  # 5 categories ≤ 8
    county = renderer.render_html("county", county_context(), inline_css=False)
    assert '<h2 id="indicators">' in county  # 38 rows ≤ 40: the table starts on its own page
