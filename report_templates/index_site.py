"""The year's index page: one static `index.html` listing every county and cadre report, sortable and
filterable, that works from the file system (file://) with no external assets: its stylesheet and
script are inlined, links are relative.

The page is plain HTML first (the full table, readable without JavaScript); `index.js` adds the
filter and sort controls and keeps their state in the query string (`?q=…&kind=…&grade=…&veto=1&
sort=…&dir=desc`), so a filtered view can be bookmarked and tests can open one directly.
"""

from __future__ import annotations

import hashlib

from report_templates.render import Renderer
from transforms.config.posts import full_title

INDEX_HTML = "index.html"


def _post(p: dict) -> str:
    return p.get("title") or full_title(p["post"], p.get("region_name"), p.get("department_name"))


def index_rows(docs: list[tuple[str, str, str, dict]], entries: dict[tuple[str, str], dict]) -> list[dict]:
    """One row per county and cadre report: what a reader filters and sorts on, and the links."""
    out = []
    for kind, key, title, ctx in docs:
        entry = entries[(kind, key)]
        links = {"html": entry["html"], "pdf": entry.get("pdf")}
        if kind == "county":
            r = ctx["result"]
            out.append({"kind": "county", "kind_label": "县（市、区）", "name": ctx["county"]["name"], "code": key,
                        "unit": ctx["county"].get("zone") or "", "score": r.get("gdi"), "rank": r.get("rank"),
                        "n": r.get("n_regions"), "grade": r.get("grade") or "", "vetoed": bool(r.get("vetoed")),
                        "events": None, "title": title, **links})
        elif kind == "cadre":
            posts = ctx.get("posts", [])
            single = posts[0] if len(posts) == 1 else None
            score = ctx.get("weighted") if len(posts) > 1 else \
                (single.get("department_score") if single and single.get("department_score") is not None
                 else single.get("gdi") if single else None)
            grades = [p.get("grade") for p in posts if p.get("grade")]
            grade, vetoed = grades[-1] if grades else "", any(p.get("vetoed") for p in posts)
            if ctx.get("conclusion"):  # the cadre report's own conclusion: one basis for both pages
                c = ctx["conclusion"]
                score, grade, vetoed = c["score"], c["grade"] or "", c["vetoed"]
            out.append({"kind": "cadre", "kind_label": "领导干部", "name": ctx["cadre"]["name"], "code": key,
                        "unit": "、".join(_post(p) for p in posts) or "（本年度不在任）", "score": score,
                        "rank": single.get("rank") if single else None, "n": None,
                        "grade": grade, "vetoed": vetoed,
                        "events": len(ctx.get("events", [])), "title": title, **links})
    return out


def write_index(renderer: Renderer, docs: list[tuple[str, str, str, dict]], entries: dict[tuple[str, str], dict],
                out_dir, write) -> dict:
    """Render the index page; `write(path, bytes)` stores it (only called when the bytes differ).
    Returns its manifest entry."""
    bulletin = next(((k, ctx) for k, _, _, ctx in docs if k == "bulletin"), None)
    doc = dict(bulletin[1]["doc"]) if bulletin else dict(docs[0][3]["doc"]) if docs else {}
    doc["title"] = f"{doc.get('jurisdiction_name', '')}{doc.get('year', '')}年度生态文明建设评价考核报告目录"
    grades = [g["grade"] for g in bulletin[1].get("grade_distribution", [])] if bulletin else []
    context = {"doc": doc, "rows": index_rows(docs, entries), "grades": grades,
               "bulletin": entries.get(("bulletin", "bulletin"))}
    html = renderer.render_index(context).encode("utf-8")
    path = out_dir / INDEX_HTML
    if not path.exists() or path.read_bytes() != html:
        write(path, html)
    return {"html": INDEX_HTML, "title": doc["title"], "content_sha256": hashlib.sha256(html).hexdigest()}
