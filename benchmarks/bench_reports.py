"""Rendering speed of the year's documents, per document kind: HTML (Jinja2) and PDF (WeasyPrint).

Run after a demo run (it reads the home's warehouse and renders into a temporary folder, leaving the
published reports alone):

    python -m benchmarks.bench_reports --year 2025            # home: $ECOASSESS_HOME or var/
    python -m benchmarks.bench_reports --year 2025 --limit 5  # at most 5 documents per kind
    python -m benchmarks.bench_reports --year 2025 --limit 6 --untagged-too  # tagged PDF against before

`--untagged-too` renders every PDF three ways, one right after the other (the order rotating per
document, so none gains from going first): as the run does (tagged, the garbage collector's young
generation run every 10,000 allocations, see `collect_less_often`), untagged (what tagging costs),
and as before issue 19 (untagged, the collector at CPython's default).

It prints the one-off costs (contexts, renderer set-up: fonts, stylesheet, templates) apart from the
per-document costs, so it shows that what can be shared across documents is done once per run.
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from pypdf import PdfReader

from report_templates.render import Renderer, collect_less_often
from transforms.config.defaults import default_framework, default_year
from transforms.config.framework import framework_path, load_framework
from transforms.runtime.home import Home
from transforms.reporting.context import build_contexts
from transforms.runtime.warehouse import connect, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=default_year())
    ap.add_argument("--framework", default=default_framework())
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=0, help="documents per kind (0: all)")
    ap.add_argument("--untagged-too", action="store_true",
                    help="also render each PDF untagged, and untagged with the collector's default, and compare CPU time")
    args = ap.parse_args()

    home = Home.resolve(args.home)
    con = connect(home.warehouse)
    found = rows(con, "SELECT scored_run_id FROM run WHERE year = ? AND framework_id = ? AND status = 'succeeded' "
                      "ORDER BY finished_at DESC LIMIT 1", [args.year, args.framework])
    if not found:
        raise SystemExit(f"no succeeded run for {args.year} in {home.root}: run `python -m flows.cli run --demo` first")
    fw = load_framework(framework_path(args.framework))

    t0 = time.perf_counter()
    docs = build_contexts(con, fw, args.year, found[0][0])
    t_ctx = time.perf_counter() - t0
    con.close()
    t0 = time.perf_counter()
    renderer = Renderer()
    t_setup = time.perf_counter() - t0
    untagged = Renderer(tagged=False) if args.untagged_too else None
    cost: dict[str, list[dict[str, float]]] = defaultdict(list)  # CPU per way of rendering, per document

    per_kind: dict[str, list[tuple[float, float, float, int]]] = defaultdict(list)  # HTML s, PDF s, CPU s, pages
    counts: dict[str, int] = defaultdict(int)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        renderer.render_pdf(docs[0][0], docs[0][3])  # WeasyPrint's lazy imports and caches, once
        if untagged is not None:
            untagged.render_pdf(docs[0][0], docs[0][3])
        before = gc.get_threshold()  # the interpreter's own setting, for the "before" way
        collect_less_often()  # as flows.publish.render_jobs does
        print(f"warm-up PDF (not counted below): {time.perf_counter() - t0:.2f} s")
        for kind, key, _title, ctx in docs:
            if args.limit and counts[kind] >= args.limit:
                continue
            counts[kind] += 1
            t0 = time.perf_counter()
            renderer.render_html(kind, ctx)
            t_html = time.perf_counter() - t0
            t0, c0 = time.perf_counter(), time.process_time()
            pdf = renderer.render_pdf(kind, ctx)
            t_pdf, c_pdf = time.perf_counter() - t0, time.process_time() - c0
            (out / f"{kind}-{key}.pdf").write_bytes(pdf)
            per_kind[kind].append((t_html, t_pdf, c_pdf, len(PdfReader(io.BytesIO(pdf)).pages)))
            if untagged is not None:
                ways = {"tagged": (renderer, None), "untagged": (untagged, None), "before": (untagged, before)}
                order = list(ways)[counts[kind] % 3:] + list(ways)[:counts[kind] % 3]
                cost[kind].append({w: _cpu(*ways[w], kind, ctx) for w in order})

    print(f"contexts for {len(docs)} documents: {t_ctx:.2f} s (once per run)")
    print(f"renderer set-up (fonts, stylesheet, templates): {t_setup:.2f} s (once per run)")
    # wall time depends on what else the machine runs; CPU time of this process is the steadier figure
    print(f"{'kind':10} {'n':>4} {'HTML mean ms':>13} {'PDF mean s':>11} {'PDF median s':>13} {'PDF max s':>10} "
          f"{'PDF CPU mean s':>15} {'pages mean':>11} {'CPU s/page':>11}")
    total_html = total_pdf = 0.0
    for kind, xs in per_kind.items():
        html_t = [x[0] for x in xs]
        pdf_t = [x[1] for x in xs]
        total_html += sum(html_t)
        total_pdf += sum(pdf_t)
        print(f"{kind:10} {len(xs):4d} {1000 * statistics.mean(html_t):13.1f} {statistics.mean(pdf_t):11.2f} "
              f"{statistics.median(pdf_t):13.2f} {max(pdf_t):10.2f} {statistics.mean(x[2] for x in xs):15.2f} "
              f"{statistics.mean(x[3] for x in xs):11.1f} {sum(x[2] for x in xs) / sum(x[3] for x in xs):11.3f}")
    print(f"total: HTML {total_html:.2f} s, PDF {total_pdf:.2f} s")
    if cost:
        print("CPU s, the same documents rendered three ways: tagged (as the run), untagged, and as before "
              "issue 19 (untagged, the collector's default)")
        print(f"{'kind':10} {'tagged':>9} {'untagged':>9} {'before':>9} {'tagging costs':>14} {'against before':>15}")
        for kind, xs in list(cost.items()) + [("all", [x for xs in cost.values() for x in xs])]:
            t = {w: sum(x[w] for x in xs) for w in ("tagged", "untagged", "before")}
            print(f"{kind:10} {t['tagged']:9.2f} {t['untagged']:9.2f} {t['before']:9.2f} "
                  f"{100 * (t['tagged'] / t['untagged'] - 1):+13.1f}% {100 * (t['tagged'] / t['before'] - 1):+14.1f}%")


def _cpu(renderer: Renderer, threshold: tuple[int, int, int] | None, kind: str, ctx: dict) -> float:
    """CPU time of one PDF, with the collector at `threshold` (None: as the run sets it)."""
    as_run = gc.get_threshold()
    if threshold is not None:
        gc.set_threshold(*threshold)
    c0 = time.process_time()
    renderer.render_pdf(kind, ctx)
    c = time.process_time() - c0
    gc.set_threshold(*as_run)
    return c


if __name__ == "__main__":
    main()
