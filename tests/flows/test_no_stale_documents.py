"""No stale document after any run: with or without PDFs, full (`force`) or incremental, the year's
reports folder holds exactly the files the manifest and the index page list, each showing the latest
content; an unchanged re-run of either kind changes no file (issue 20)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flows.publish import publish
from report_templates.render import Renderer
from tests.support.report_contexts import CONTEXTS


def _docs(cadre_suffix: str = "", cadre: bool = True) -> list[tuple[str, str, str, dict]]:
    out = []
    for kind in ("bulletin", "county", "cadre") if cadre else ("bulletin", "county"):
        ctx = CONTEXTS[kind]()
        if kind == "cadre" and cadre_suffix:
            ctx = ctx | {"doc": ctx["doc"] | {"title": ctx["doc"]["title"] + cadre_suffix}}
        out.append((kind, "bulletin" if kind == "bulletin" else kind.upper(), ctx["doc"]["title"], ctx))
    return out


def _files(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def _consistent(out: Path) -> dict:
    """The folder holds exactly what the manifest lists; the index links exactly the listed documents."""
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    listed = {e[f] for e in manifest["reports"] for f in ("html", "pdf", "xlsx") if e.get(f)}
    assert set(_files(out)) == listed | {"manifest.json", manifest["index"]["html"]}
    index = (out / manifest["index"]["html"]).read_text("utf-8")
    linked = set(re.findall(r'href="((?:county|cadre)/[^"]+|bulletin\.\w+)"', index))
    assert linked == {f for f in listed}  # every county, cadre and bulletin file, and nothing else
    return {(e["kind"], e["key"]): e for e in manifest["reports"]}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(pdf=False)


def _run(out: Path, renderer: Renderer, docs, pdf: bool, force: bool = False) -> int:
    return publish(docs, out, "run-1", 2025, "fw", pdf=pdf, renderer=renderer, force=force)[1]


def test_runs_with_and_without_pdfs_leave_no_stale_document(tmp_path, renderer):
    out = tmp_path / "2025"
    assert _run(out, renderer, _docs(), pdf=True) == 3
    assert all(e["pdf"] for e in _consistent(out).values())

    # an unchanged re-run without PDFs changes no file and keeps the PDFs listed
    before = _files(out)
    assert _run(out, renderer, _docs(), pdf=False) == 0
    assert _files(out) == before
    assert all(e["pdf"] for e in _consistent(out).values())

    # one document's content changes, no PDFs: its HTML is rewritten, its old PDF removed, the others stay
    old_pdf = (out / "cadre" / "CADRE.pdf").read_bytes()
    assert _run(out, renderer, _docs("（更正）"), pdf=False) == 1
    entries = _consistent(out)
    assert entries[("cadre", "CADRE")]["pdf"] is None and not (out / "cadre" / "CADRE.pdf").exists()
    assert entries[("county", "COUNTY")]["pdf"] == "county/COUNTY.pdf"
    assert "（更正）" in (out / "cadre" / "CADRE.html").read_text("utf-8") and old_pdf.startswith(b"%PDF")
    changed = {f for f, t in _files(out).items() if before.get(f) != t}
    assert changed == {"cadre/CADRE.html", "manifest.json", "index.html"}  # the index no longer links the PDF

    # the same without PDFs again: nothing changes
    before = _files(out)
    assert _run(out, renderer, _docs("（更正）"), pdf=False) == 0
    assert _files(out) == before

    # a PDF run adds the missing PDF only; the HTML it was made from stays as it is
    assert _run(out, renderer, _docs("（更正）"), pdf=True) == 1
    changed = {f for f, t in _files(out).items() if before.get(f) != t}
    assert changed == {"cadre/CADRE.pdf", "manifest.json", "index.html"}
    assert all(e["pdf"] for e in _consistent(out).values())

    # an unchanged PDF run changes no file
    before = _files(out)
    assert _run(out, renderer, _docs("（更正）"), pdf=True) == 0
    assert _files(out) == before


def test_a_full_run_without_pdfs_removes_every_pdf(tmp_path, renderer):
    out = tmp_path / "2025"
    _run(out, renderer, _docs(cadre=False), pdf=True)
    assert _run(out, renderer, _docs(cadre=False), pdf=False, force=True) == 2  # every page rewritten ...
    entries = _consistent(out)
    assert all(e["pdf"] is None for e in entries.values())  # ... so no PDF of before may stand beside it
    assert not list(out.rglob("*.pdf"))


def test_a_document_no_longer_in_the_year_is_removed(tmp_path, renderer):
    out = tmp_path / "2025"
    _run(out, renderer, _docs(), pdf=False)
    (out / "county" / "STRAY.pdf").write_bytes(b"%PDF-1.7 left by hand or an older version")
    assert _run(out, renderer, _docs(cadre=False), pdf=False) == 0
    entries = _consistent(out)
    assert ("cadre", "CADRE") not in entries
    assert not (out / "cadre" / "CADRE.html").exists() and not (out / "county" / "STRAY.pdf").exists()
