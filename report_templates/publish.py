"""Write a run's documents (HTML + PDF), the year's index page and the manifest that lists them.

Everything under the reports folder is owner+group only (folders 0750, files 0640): the documents
name cadres. README says how to publish them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from report_templates.index_site import write_index
from report_templates.render import FILE_MODE, Renderer, private_dir, write_atomically

SUBDIR = {"county": "county", "cadre": "cadre", "bulletin": ""}


def relative_paths(kind: str, key: str) -> tuple[str, str]:
    stem = "bulletin" if kind == "bulletin" else f"{SUBDIR[kind]}/{key}"
    return f"{stem}.html", f"{stem}.pdf"


def content_hash(renderer: Renderer, kind: str, context: dict) -> str:
    """What a reader sees, minus the stamps that change every run: the HTML as rendered with the run
    id and time blanked, plus the stylesheet. Hashing the page, not the numbers behind it, keeps
    last-digit float noise from parallel sums from re-rendering a document that looks the same."""
    stable = context | {"doc": context["doc"] | {"generated_at": "", "run_id": ""}}
    h = hashlib.sha256(renderer.render_html(kind, stable, inline_css=False).encode("utf-8"))
    h.update(renderer.html_css_text.encode("utf-8"))
    return h.hexdigest()


def _previous(out_dir: Path) -> dict[tuple[str, str], dict]:
    path = out_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        return {(e["kind"], e["key"]): e for e in json.loads(path.read_text("utf-8"))["reports"]}
    except (ValueError, KeyError):
        return {}  # a damaged manifest only costs a full re-render


def publish(docs: list[tuple[str, str, str, dict]], out_dir: Path, run_id: str, year: int, framework_id: str,
            pdf: bool = True, renderer: Renderer | None = None) -> tuple[Path, int]:
    """Render the documents whose content changed into `out_dir`; write `manifest.json` last (atomically).

    A document whose content hash and files are as the manifest says is left alone, file and
    modification time included. Returns the manifest path and the number of documents rendered.
    """
    private_dir(out_dir)
    if out_dir.parent.name == "reports":
        os.chmod(out_dir.parent, 0o750)  # the reports root of the home
    previous = _previous(out_dir)
    renderer = renderer or Renderer(pdf=False)  # PDF machinery is prepared on the first PDF written
    entries, rendered = [], 0
    for kind, key, title, context in docs:
        html_rel, pdf_rel = relative_paths(kind, key)
        digest = content_hash(renderer, kind, context)
        old = previous.get((kind, key))
        unchanged = old is not None and old.get("content_sha256") == digest and (out_dir / html_rel).exists() \
            and (not pdf or (old.get("pdf") and (out_dir / pdf_rel).exists()))
        if not unchanged:
            private_dir((out_dir / html_rel).parent)
            renderer.write(kind, context, out_dir / html_rel, out_dir / pdf_rel if pdf else None)
            rendered += 1
        entries.append({"kind": kind, "key": key, "title": title, "html": html_rel,
                        "pdf": pdf_rel if pdf else None, "content_sha256": digest,
                        "run_id": old["run_id"] if unchanged and "run_id" in old else run_id})
    index = write_index(renderer, docs, {(e["kind"], e["key"]): e for e in entries}, out_dir, write_atomically)
    manifest = {"year": year, "run_id": run_id, "framework": framework_id,
                "synthetic": bool(docs and docs[0][3]["doc"].get("synthetic")), "index": index, "reports": entries}
    path = out_dir / "manifest.json"
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    if not path.exists() or path.read_text("utf-8") != text:
        write_atomically(path, text.encode("utf-8"))
    for f in out_dir.rglob("*"):  # files left from before (unchanged documents) get the same mode
        if f.is_file() and f.stat().st_mode & 0o7777 != FILE_MODE:
            os.chmod(f, FILE_MODE)
    return path, rendered
