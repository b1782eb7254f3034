"""Write a run's documents (HTML + PDF) and the manifest that lists them; fan the rendering out.

Publishing has three steps so that rendering can run anywhere:
1. `plan` (in the run's process, from contexts built once from the warehouse): a `Job` per
   document, with the content hash its current files were written from (from the manifest);
2. `render_jobs`: context in, files out, nothing else; it runs in this process, in a pool of worker
   processes (`worker_pool`), or on Dask workers. Each document's HTML is rendered once, there: its
   content hash decides whether the files are rewritten (and the PDF made) or left alone.
   WeasyPrint holds the GIL, so threads do not render in parallel: processes do
   (benchmarks/render.py measures both);
3. `write_manifest`, last and atomically, by the run's process, from the hashes the workers
   returned: the index page and the manifest list exactly the files in the folder, each showing the
   latest content (no PDF older than its HTML, no document of an earlier run left behind). Workers
   never open the warehouse.

Everything under the reports folder is owner+group only (folders 0750, files 0640, see
`transforms.runtime.home`): the documents name cadres. README says how to publish them.
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

from report_templates.bulletin_xlsx import XLSX_NAME, bulletin_workbook
from report_templates.index_site import write_index
from report_templates.render import Renderer, StepClock, collect_less_often
from transforms.runtime.home import make_private, private_dir, write_atomically

SUBDIR = {"county": "county", "cadre": "cadre", "bulletin": ""}


def relative_paths(kind: str, key: str) -> tuple[str, str]:
    stem = "bulletin" if kind == "bulletin" else f"{SUBDIR[kind]}/{key}"
    return f"{stem}.html", f"{stem}.pdf"


def page_digest(renderer: Renderer, bare_html: str, doc: dict) -> str:
    """What a reader sees, minus the stamps that change every run: the page as rendered (without the
    inline stylesheet) with the run id and time taken out, plus the stylesheet. Hashing the page, not
    the numbers behind it, keeps last-digit float noise from parallel sums from re-rendering a
    document that looks the same. Equal to hashing the page rendered with the stamps blank, so the
    page is rendered once."""
    stable = bare_html
    for stamp in (doc.get("generated_at") or "", (doc.get("generated_at") or "")[:10], doc.get("run_id") or ""):
        if stamp:
            stable = stable.replace(stamp, "")
    h = hashlib.sha256(stable.encode("utf-8"))
    h.update(renderer.html_css_text.encode("utf-8"))
    return h.hexdigest()


def content_hash(renderer: Renderer, kind: str, context: dict) -> str:
    """The content hash of one document (see `page_digest`)."""
    return page_digest(renderer, renderer.render_html(kind, context, inline_css=False), context["doc"])


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
    """One document: everything a worker needs, nothing it could write elsewhere. `previous` is the
    content hash its present HTML was written from (None: write it whatever the hash); `pdf_current`:
    the manifest lists a PDF of that content and the file is there. `pdf` is None on a run without
    PDFs: a PDF already there is then kept (and listed) only if the content is unchanged, else removed
    by `write_manifest`, so no PDF ever shows older numbers than its HTML."""
    kind: str
    key: str
    context: dict
    html: Path
    pdf: Path | None
    previous: str | None = None
    pdf_current: bool = False


class Chunk:
    """Some jobs, as one opaque value for an orchestrator: Prefect (and prefect-dask) walk the lists,
    dicts and dataclasses of a task's parameters looking for futures, which for every context of
    every document takes minutes at national scale; a plain object is not walked into."""

    __slots__ = ("jobs",)

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs


@dataclass
class Plan:
    out_dir: Path
    manifest: dict
    jobs: list[Job] = field(default_factory=list)
    docs: list[tuple[str, str, str, dict]] = field(default_factory=list)  # for the index page, written last
    previous: dict[tuple[str, str], dict] = field(default_factory=dict)  # the manifest's entries before
    tables: bytes | None = None  # bulletin.xlsx, written with the manifest when its bytes changed

    def chunks(self, n: int) -> list[list[Job]]:
        """`n` interleaved chunks (documents are sorted by kind, so this mixes long and short ones)."""
        n = max(1, min(n, len(self.jobs)))
        return [self.jobs[i::n] for i in range(n)] if self.jobs else []


def plan(docs: list[tuple[str, str, str, dict]], out_dir: Path, run_id: str, year: int, framework_id: str,
         pdf: bool = True, force: bool = False) -> Plan:
    """A job per document. A document whose HTML is there is given the content hash the manifest lists
    for it: the worker leaves it alone, files and modification times included, if its page hashes the
    same (unless `force`); a PDF run then only adds a missing PDF. The index page is written with the
    manifest, once it is known which PDFs are there."""
    if out_dir.parent.name == "reports":
        private_dir(out_dir.parent)  # the reports root of the home
    private_dir(out_dir)
    previous = _previous(out_dir)
    entries, jobs = [], []
    for kind, key, title, context in docs:
        html_rel, pdf_rel = relative_paths(kind, key)
        old = previous.get((kind, key)) if not force else None
        html_there = old is not None and (out_dir / html_rel).exists()
        pdf_there = html_there and bool(old.get("pdf")) and (out_dir / pdf_rel).exists()
        jobs.append(Job(kind, key, context, out_dir / html_rel, out_dir / pdf_rel if pdf else None,
                        old.get("content_sha256") if html_there else None, pdf_there))
        entries.append({"kind": kind, "key": key, "title": title, "html": html_rel,
                        "pdf": pdf_rel if pdf else None, "content_sha256": None, "run_id": run_id}
                       | ({"xlsx": XLSX_NAME} if kind == "bulletin" else {}))
    # the bulletin's tables as a workbook beside it: made here (it is small), written with the manifest
    tables = next((bulletin_workbook(ctx) for kind, _, _, ctx in docs if kind == "bulletin"), None)
    manifest = {"year": year, "run_id": run_id, "framework": framework_id,
                "synthetic": bool(docs and docs[0][3]["doc"].get("synthetic")), "index": None, "reports": entries}
    return Plan(out_dir, manifest, jobs, list(docs), previous, tables)


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
    """Render `jobs` in this process: each page once, its content hash compared with the job's
    `previous`; a changed page is written (and its PDF made), each file atomically (see
    `Renderer.write_page`). Returns every page's hash, how many were written and by whom (pid), and
    the time taken per document kind and step (HTML, PDF, writes), for benchmarks/run.py."""
    t0, c0 = time.perf_counter(), time.process_time()
    renderer = renderer or process_renderer()
    collect_less_often()
    timings: dict[str, list[float]] = {}
    digests: dict[str, str] = {}
    written = 0
    for job in jobs:
        clock = StepClock(timings, job.kind)
        bare = renderer.render_html(job.kind, job.context, inline_css=False)
        digest = digests[f"{job.kind}/{job.key}"] = page_digest(renderer, bare, job.context["doc"])
        clock.lap("html")
        if digest != job.previous:
            private_dir(job.html.parent)
            renderer.write_page(bare, job.html, job.pdf, clock)
            written += 1
        elif job.pdf is not None and not job.pdf_current:  # the HTML stands; its PDF was not made (--no-pdf)
            renderer.write_pdf(bare, job.pdf, clock)
            written += 1
    return {"rendered": written, "documents": len(jobs), "digests": digests, "pid": os.getpid(),
            "seconds": round(time.perf_counter() - t0, 3), "cpu_seconds": round(time.process_time() - c0, 3),
            "timings": timings}


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


def write_manifest(p: Plan, renders: list[dict]) -> Path:
    """Last, by the run's process: the manifest and the index page list exactly the documents of this
    run with the files that are there and current. Each entry gets the content hash a worker
    computed; a document left alone keeps the run id its files were written by; on a run without
    PDFs, a PDF whose content changed is removed and an unchanged one stays listed. Every other
    report file in the folder (a PDF of older content, a document no longer in the year) is removed.
    The index page and `manifest.json` are written atomically and only if their content changed (an
    unchanged re-run, with or without PDFs, changes no file); then every file gets the reports' mode."""
    digests = {k: v for r in renders for k, v in r["digests"].items()}
    for entry, job in zip(p.manifest["reports"], p.jobs):
        digest = digests.get(f"{entry['kind']}/{entry['key']}")
        if digest is None:
            raise RuntimeError(f"报告 {entry['kind']}/{entry['key']} 未生成 / document not rendered")
        entry["content_sha256"] = digest
        unchanged = digest == job.previous
        if job.pdf is None and unchanged and job.pdf_current:
            entry["pdf"] = relative_paths(entry["kind"], entry["key"])[1]
        old = p.previous.get((entry["kind"], entry["key"]))
        if unchanged and old and "run_id" in old:
            entry["run_id"] = old["run_id"]
    private_dir(p.out_dir)
    remove_unlisted(p.out_dir, p.manifest["reports"])
    entries = {(e["kind"], e["key"]): e for e in p.manifest["reports"]}
    p.manifest["index"] = write_index(process_renderer(), p.docs, entries, p.out_dir, write_atomically)
    xlsx = p.out_dir / XLSX_NAME
    if p.tables is not None and (not xlsx.exists() or xlsx.read_bytes() != p.tables):
        write_atomically(xlsx, p.tables)
    path = p.out_dir / "manifest.json"
    text = json.dumps(p.manifest, ensure_ascii=False, indent=2)
    if not path.exists() or path.read_text("utf-8") != text:
        write_atomically(path, text.encode("utf-8"))
    make_private(p.out_dir)  # files left from before (unchanged documents) get the same mode
    return path


def remove_unlisted(out_dir: Path, entries: list[dict]) -> list[Path]:
    """Remove every document file (HTML, PDF) in the reports folder that `entries` do not list: a PDF of
    older content, a county or cadre no longer in the year. Returns what was removed."""
    listed = {out_dir / e[f] for e in entries for f in ("html", "pdf") if e.get(f)}
    found = [out_dir / f"bulletin.{ext}" for ext in ("html", "pdf")]
    found += [f for sub in {s for s in SUBDIR.values() if s} for ext in ("html", "pdf")
              for f in (out_dir / sub).glob(f"*.{ext}")]
    gone = [f for f in found if f.is_file() and f not in listed]
    for f in gone:
        f.unlink()
    return gone


def publish(docs: list[tuple[str, str, str, dict]], out_dir: Path, run_id: str, year: int, framework_id: str,
            pdf: bool = True, renderer: Renderer | None = None, workers: int = 1,
            force: bool = False) -> tuple[Path, int]:
    """Plan, render (over `workers` processes; only documents whose content changed are written),
    then write the manifest. Returns the manifest path and the number of documents written."""
    p = plan(docs, out_dir, run_id, year, framework_id, pdf=pdf, force=force)
    results = render_pooled(p.jobs, workers, renderer) if p.jobs else []
    return write_manifest(p, results), sum(r["rendered"] for r in results)
