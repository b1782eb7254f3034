"""Write a run's documents (HTML + PDF) and the manifest that lists them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from report_templates.render import Renderer

SUBDIR = {"county": "county", "cadre": "cadre", "bulletin": ""}


def relative_paths(kind: str, key: str) -> tuple[str, str]:
    stem = "bulletin" if kind == "bulletin" else f"{SUBDIR[kind]}/{key}"
    return f"{stem}.html", f"{stem}.pdf"


def publish(docs: list[tuple[str, str, str, dict]], out_dir: Path, run_id: str, year: int, framework_id: str,
            pdf: bool = True, renderer: Renderer | None = None) -> Path:
    """Render every document into `out_dir` and write `manifest.json` last (atomically)."""
    renderer = renderer or Renderer()
    entries = []
    for kind, key, title, context in docs:
        html_rel, pdf_rel = relative_paths(kind, key)
        (out_dir / html_rel).parent.mkdir(parents=True, exist_ok=True)
        renderer.write(kind, context, out_dir / html_rel, out_dir / pdf_rel if pdf else None)
        entries.append({"kind": kind, "key": key, "title": title, "html": html_rel, "pdf": pdf_rel if pdf else None})
    manifest = {"year": year, "run_id": run_id, "framework": framework_id,
                "synthetic": bool(docs and docs[0][3]["doc"].get("synthetic")), "reports": entries}
    path = out_dir / "manifest.json"
    tmp = path.with_name(f".manifest.json.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path
