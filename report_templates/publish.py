"""Write a run's documents (HTML + PDF), the year's index page and the manifest that lists them;
fan the rendering out.

Publishing has three steps so that rendering can run anywhere:
1. `plan` (in the run's process, from contexts built once from the warehouse): the content hash of
   every document and the list of `Job`s, the documents whose content changed;
2. `render_jobs`: context in, files out, nothing else; it runs in this process, in a pool of worker
   processes (`worker_pool`), or on Dask workers. WeasyPrint holds the GIL, so threads do not
   render in parallel: processes do (benchmarks/render.py measures both);
3. `write_manifest`, last and atomically, by the run's process, with the index page that links the
   documents. Workers never open the warehouse.

Everything under the reports folder is owner+group only (folders 0750, files 0640): the documents
name cadres. README says how to publish them.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

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


@dataclass(frozen=True)
class Job:
    """One document to (re)write: everything a worker needs, nothing it could write elsewhere."""
    kind: str
    key: str
    context: dict
    html: Path
    pdf: Path | None


@dataclass
class Plan:
    out_dir: Path
    manifest: dict
    jobs: list[Job] = field(default_factory=list)
    docs: list[tuple[str, str, str, dict]] = field(default_factory=list)  # for the index page

    def chunks(self, n: int) -> list[list[Job]]:
        """`n` interleaved chunks (documents are sorted by kind, so this mixes long and short ones)."""
        n = max(1, min(n, len(self.jobs)))
        return [self.jobs[i::n] for i in range(n)] if self.jobs else []


def plan(docs: list[tuple[str, str, str, dict]], out_dir: Path, run_id: str, year: int, framework_id: str,
         pdf: bool = True, renderer: Renderer | None = None, force: bool = False) -> Plan:
    """Decide what to render: a document whose content hash and files are as the manifest says is
    left alone, file and modification time included (unless `force`)."""
    private_dir(out_dir)
    if out_dir.parent.name == "reports":
        os.chmod(out_dir.parent, 0o750)  # the reports root of the home
    previous = _previous(out_dir)
    renderer = renderer or process_renderer()
    entries, jobs = [], []
    for kind, key, title, context in docs:
        html_rel, pdf_rel = relative_paths(kind, key)
        digest = content_hash(renderer, kind, context)
        old = previous.get((kind, key))
        unchanged = not force and old is not None and old.get("content_sha256") == digest \
            and (out_dir / html_rel).exists() and (not pdf or (old.get("pdf") and (out_dir / pdf_rel).exists()))
        if not unchanged:
            jobs.append(Job(kind, key, context, out_dir / html_rel, out_dir / pdf_rel if pdf else None))
        entries.append({"kind": kind, "key": key, "title": title, "html": html_rel,
                        "pdf": pdf_rel if pdf else None, "content_sha256": digest,
                        "run_id": old["run_id"] if unchanged and "run_id" in old else run_id})
    manifest = {"year": year, "run_id": run_id, "framework": framework_id,
                "synthetic": bool(docs and docs[0][3]["doc"].get("synthetic")), "reports": entries}
    return Plan(out_dir, manifest, jobs, docs)


_renderer_here: Renderer | None = None
_renderer_guard = threading.Lock()


def process_renderer() -> Renderer:
    """One Renderer per process (Jinja environment, fonts and stylesheet set up once per worker);
    its PDF machinery is prepared, and the machine checked, on the first PDF written."""
    global _renderer_here
    with _renderer_guard:
        if _renderer_here is None:
            _renderer_here = Renderer(pdf=False)
        return _renderer_here


def render_jobs(jobs: list[Job], renderer: Renderer | None = None) -> dict:
    """Render `jobs` in this process; each file is written atomically (see `Renderer.write`).
    Returns what was done and by whom (pid), for the run's counts and to show where work ran."""
    t0 = time.perf_counter()
    renderer = renderer or process_renderer()
    for job in jobs:
        private_dir(job.html.parent)
        renderer.write(job.kind, job.context, job.html, job.pdf)
    return {"rendered": len(jobs), "pid": os.getpid(), "seconds": round(time.perf_counter() - t0, 3)}


def _warm() -> None:
    process_renderer()


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """A pool of `workers` plain Python processes, each with its own Renderer; None for 1 worker
    (render in the calling process). The processes come from a fork server, not from a fork of
    this (threaded) process, and need no Prefect API."""
    if workers <= 1:
        yield None
        return
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm) as pool:
        yield pool


def render_pooled(jobs: list[Job], workers: int, renderer: Renderer | None = None) -> list[dict]:
    """Render `jobs` over `workers` processes (or here, with `renderer`, for one), no orchestrator."""
    chunks = Plan(Path("."), {}, jobs).chunks(workers * 4)
    with worker_pool(workers) as pool:
        if pool is None:
            return [render_jobs(c, renderer) for c in chunks]
        return list(pool.map(render_jobs, chunks))


def write_manifest(p: Plan, renderer: Renderer | None = None) -> Path:
    """Write the index page and `manifest.json`, each atomically and only if its content changed
    (an unchanged re-run changes no file); files kept from before get the folder's mode."""
    entries = {(e["kind"], e["key"]): e for e in p.manifest["reports"]}
    index = write_index(renderer or process_renderer(), p.docs, entries, p.out_dir, write_atomically)
    manifest = {k: v for k, v in p.manifest.items() if k != "reports"} | {"index": index,
                                                                           "reports": p.manifest["reports"]}
    path = p.out_dir / "manifest.json"
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    if not path.exists() or path.read_text("utf-8") != text:
        write_atomically(path, text.encode("utf-8"))
    for f in p.out_dir.rglob("*"):
        if f.is_file() and f.stat().st_mode & 0o7777 != FILE_MODE:
            os.chmod(f, FILE_MODE)
    return path


def publish(docs: list[tuple[str, str, str, dict]], out_dir: Path, run_id: str, year: int, framework_id: str,
            pdf: bool = True, renderer: Renderer | None = None, workers: int = 1,
            force: bool = False) -> tuple[Path, int]:
    """Plan, render the documents whose content changed (over `workers` processes), then write the
    manifest. Returns the manifest path and the number of documents rendered."""
    p = plan(docs, out_dir, run_id, year, framework_id, pdf=pdf, renderer=renderer, force=force)
    if p.jobs:
        render_pooled(p.jobs, workers, renderer)
    return write_manifest(p, renderer), len(p.jobs)
