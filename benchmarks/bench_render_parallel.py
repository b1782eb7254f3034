"""Benchmark: report rendering throughput (documents/s, HTML + PDF) with 1 worker vs all cores.

Builds the documents of the latest succeeded run of a year once from the warehouse, then renders
all of them into temporary folders: in this process, on threads (one Renderer per thread) and on a
process pool (`flows.publish.worker_pool`, one Renderer per process).

    python -m benchmarks.bench_render_parallel --year 2025    # home: $ECOASSESS_HOME or var/; needs a run

(`benchmarks.bench_reports` times each document kind in one process; this one compares workers.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from flows.publish import Plan, plan, render_jobs, render_pooled
from report_templates.render import Renderer
from transforms.config.defaults import default_framework, default_year
from transforms.runtime.home import Home
from flows.stages import RunSpec, latest_scored_run
from transforms.runtime.warehouse import open_warehouse
from transforms.reporting.context import build_contexts


def jobs_into(p: Plan, folder: Path) -> list:
    return [replace(j, html=folder / j.html.relative_to(p.out_dir),
                    pdf=folder / j.pdf.relative_to(p.out_dir) if j.pdf else None) for j in p.jobs]


def threaded(jobs: list, workers: int) -> None:
    local = threading.local()

    def one(chunk: list) -> dict:
        if not hasattr(local, "renderer"):
            local.renderer = Renderer()
        return render_jobs(chunk, local.renderer)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, Plan(Path("."), {}, jobs).chunks(workers * 4)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default=None)
    ap.add_argument("--year", type=int, default=default_year())
    ap.add_argument("--framework", default=default_framework())
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--limit", type=int, default=0, help="render only the first N documents")
    ap.add_argument("--modes", default="one,threads,processes")
    args = ap.parse_args()

    spec = RunSpec(Home.resolve(args.home), args.framework, args.year, None)
    run_id = latest_scored_run(spec)
    if run_id is None:
        sys.exit(f"no succeeded run for {args.year} in {spec.home.root}: run `ecoassess run --demo` first")
    with open_warehouse(spec.home) as con:
        docs = build_contexts(con, spec.framework, spec.year, run_id)
    docs = docs[: args.limit or None]
    print(f"{len(docs)} documents (HTML + PDF), run {run_id}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    for mode in args.modes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            p = plan(docs, Path(tmp) / "planned", run_id, args.year, args.framework, force=True)
            jobs = jobs_into(p, Path(tmp) / "out")
            t0 = time.perf_counter()
            if mode == "one":
                render_jobs(jobs, Renderer())
            elif mode == "threads":
                threaded(jobs, args.workers)
            else:
                render_pooled(jobs, args.workers)
            took = time.perf_counter() - t0
            n = len(list((Path(tmp) / "out").rglob("*.pdf")))
            workers = 1 if mode == "one" else args.workers
            print(f"{mode:10} workers={workers}  {took:6.1f} s  {len(jobs) / took:5.2f} documents/s  ({n} PDFs)  "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
