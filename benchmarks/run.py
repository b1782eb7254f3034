"""A whole annual run at a given scale, measured per stage, with four side-by-side ratios (issue #10).

    python -m benchmarks.run --regions 100                       # province: HTML + PDF, everything measured
    python -m benchmarks.run --regions 2850 --html-only          # national: HTML only
    python -m benchmarks.run --regions 2850 --sample-pdf 60      # HTML run + PDFs of 60 documents, extrapolated

1. A synthetic jurisdiction (`transforms.demo.synthetic.write_synthetic_dataset`: the indicators of all
   three shipped frameworks, 20 departments, 5 years of submissions, 2 leaders per county plus the
   department heads) is written once into `--cache` and reused by later runs with the same size and seed.
2. The real command runs on a fresh home: `flows.cli.run` (the `ecoassess run` command, in this
   process, so its stages can be timed): every file of the five years is received, validated with
   Great Expectations, scored, vetoed, attributed and rendered. Stage functions of
   `flows.stages` are wrapped to time them (wall, CPU of this process and of its children)
   while a sampler thread records the resident memory of this process and of all its children
   (the Prefect server, the rendering workers). The workers report their own HTML and PDF times
   per document kind (`flows.publish.render_jobs`).
3. Ratios, in the same run:
   (a) `score_year` (DuckDB SQL) vs the row-by-row pandas implementation of benchmarks/scoring.py on
       that script's framework at the same size (counties × indicators), results asserted equal;
   (b) a re-run after one department's corrected resubmission vs the full run;
   (c) `ecoassess rerender --force` with all cores vs `--workers 1` (the same documents);
   (d) per PDF document, the project's cost (its share of the contexts and the content hash, the
       templating and WeasyPrint with the shared stylesheet) vs bare WeasyPrint on the finished HTML.

Prints one table and writes JSON (`--json`, default benchmarks/out/run-<regions>.json). Timings on a
shared machine: the load average is recorded next to every stage; CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import platform
import shutil
import statistics
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2025
YEARS = (2021, 2022, 2023, 2024, 2025)
FRAMEWORKS = ("ganzhou_2024", "green_development_2016", "eco_target_2016")
CORRECTED_DEPARTMENT = "lyj"  # 市林业局 sends a corrected workbook for (b)
TARGETS = {  # issue #10, on this 2-core machine
    "province_run_s": 60, "national_run_s": 20 * 60, "national_html_s": 3 * 60, "peak_gib": 4, "score_s": 1,
    "a": 20, "b": 0.10, "c": 1.7, "d": 0.30, "county_pdf_kb": 400}


# ---------------------------------------------------------------------------------------- sampling
class Sampler(threading.Thread):
    """Every `interval` s: resident memory of this process and of all its descendants, and each
    descendant's CPU time (kept after it exits, so a stage's children CPU is a difference of sums)."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval, self.me = interval, psutil.Process()
        self.children_cpu: dict[int, float] = {}
        self.open: dict[str, list[int]] = {}  # stage -> [peak main rss, peak tree rss]
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def sample(self) -> None:
        main = self.me.memory_info().rss
        tree = main
        for child in self.me.children(recursive=True):
            try:
                with child.oneshot():
                    rss, cpu = child.memory_info().rss, child.cpu_times()
            except psutil.Error:
                continue
            tree += rss
            self.children_cpu[child.pid] = cpu.user + cpu.system
        with self.lock:
            for peaks in self.open.values():
                peaks[0], peaks[1] = max(peaks[0], main), max(peaks[1], tree)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def begin(self, stage: str) -> None:
        with self.lock:
            self.open[stage] = [0, 0]
        self.sample()

    def end(self, stage: str) -> tuple[int, int]:
        self.sample()
        with self.lock:
            return tuple(self.open.pop(stage))  # type: ignore[return-value]

    def cpu_of_children(self) -> float:
        return sum(self.children_cpu.values())


class Recorder:
    """Wraps functions so each call is a measured stage: wall, CPU (this process, its children), peak RSS."""

    def __init__(self, sampler: Sampler) -> None:
        self.sampler = sampler
        self.stages: dict[str, dict[str, float]] = {}
        self.captured: dict[str, Any] = {}

    @contextlib.contextmanager
    def stage(self, name: str):
        key = name
        n = 2
        while key in self.stages or key in self.sampler.open:
            key, n = f"{name}#{n}", n + 1
        self.sampler.begin(key)
        wall, cpu, children = time.perf_counter(), time.process_time(), self.sampler.cpu_of_children()
        try:
            yield
        finally:
            peak_main, peak_tree = self.sampler.end(key)
            self.stages[key] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                                "children_cpu_s": self.sampler.cpu_of_children() - children,
                                "peak_main_mib": peak_main / 2**20, "peak_tree_mib": peak_tree / 2**20,
                                "load1": os.getloadavg()[0]}

    def wrap(self, name: str, fn: Callable, capture: bool = False) -> Callable:
        def timed(*args, **kwargs):
            with self.stage(name):
                out = fn(*args, **kwargs)
            if capture:
                self.captured[name] = (args, kwargs, out)
            return out
        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    def take(self) -> dict[str, dict[str, float]]:
        out, self.stages = self.stages, {}
        return out


def instrument(rec: Recorder) -> None:
    """Time the stage functions the flow calls (module attributes, looked up at call time)."""
    import flows.annual_assessment as flow
    import flows.publish as publish
    import flows.stages as pipeline
    import transforms.reporting.context as report_context
    import transforms.scoring.score as scoring
    import transforms.scoring.uncertainty as uncertainty

    for name in ("ingest", "validate", "fingerprint", "score", "veto", "attribute", "plan_report"):
        setattr(pipeline, name, rec.wrap(name, getattr(pipeline, name)))
    pipeline.finish_report = rec.wrap("manifest", pipeline.finish_report, capture=True)
    flow.render_reports = rec.wrap("report", flow.render_reports)
    report_context.build_contexts = rec.wrap("contexts", report_context.build_contexts)
    publish.write_index = rec.wrap("index", publish.write_index)
    scoring.score_year = rec.wrap("score_year", scoring.score_year)
    uncertainty.rank_uncertainty = rec.wrap("rank_uncertainty", uncertainty.rank_uncertainty)


# ---------------------------------------------------------------------------------------- data
def dataset(cache: Path, regions: int, seed: int) -> dict:
    """The synthetic jurisdiction, written once per (regions, seed) and reused (its `meta.json` last)."""
    from transforms.demo.synthetic import write_synthetic_dataset

    root = cache / f"jurisdiction-{regions}-{seed}"
    meta = root / "meta.json"
    if meta.exists():
        return json.loads(meta.read_text("utf-8")) | {"reused": True}
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    ds = write_synthetic_dataset(root, regions=regions, departments=20, years=YEARS, frameworks=FRAMEWORKS, seed=seed)
    info = {"root": str(root), "data": str(ds.data_dir), "inbox": str(ds.inbox), "framework": ds.framework_id,
            "regions": ds.regions, "departments": ds.departments, "indicators": ds.indicators,
            "cadres": ds.cadres, "files": len(ds.files), "years": list(YEARS),
            "generated_s": round(time.perf_counter() - t0, 1)}
    meta.write_text(json.dumps(info, ensure_ascii=False, indent=1), "utf-8")
    return info | {"reused": False}


def correct_one_value(inbox: Path) -> dict:
    """市林业局 resubmits its 2025 workbook with one county's value of its first indicator moved
    halfway to the next larger value (strictly inside the range: no minimum or maximum changes)."""
    import openpyxl

    folder = inbox / str(YEAR) / CORRECTED_DEPARTMENT
    src = sorted(folder.glob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    header = next(r for r in range(1, 31) if any(str(c.value or "").startswith("行政区划代码") for c in ws[r]))
    col = next(c.column for c in ws[header] if c.column > 2 and c.value and "(" in str(c.value))
    values = {r: ws.cell(row=r, column=col).value for r in range(header + 1, ws.max_row + 1)}
    values = {r: v for r, v in values.items() if isinstance(v, (int, float))}
    ordered = sorted(set(values.values()))
    row = next(r for r, v in values.items() if ordered[0] < v < ordered[-1])
    new = (values[row] + ordered[ordered.index(values[row]) + 1]) / 2
    ws.cell(row=row, column=col, value=new)
    out = folder / f"{src.stem}_更正.xlsx"
    wb.save(out)
    return {"file": out.name, "county": str(ws.cell(row=row, column=1).value), "column": str(ws.cell(header, col).value),
            "old": values[row], "new": new}


# ---------------------------------------------------------------------------------------- runs
def cli_quietly(fn: Callable, log: Path, **kwargs) -> None:
    """Call an `ecoassess` command function; its printed output goes to `log`."""
    import typer

    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            fn(**kwargs)
    except typer.Exit as exc:
        if exc.exit_code:
            raise RuntimeError(f"{fn.__name__} exited {exc.exit_code}; see {log}") from exc
    finally:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"\n===== {fn.__name__} {kwargs} =====\n{buf.getvalue()}")


def render_totals(rec: Recorder) -> dict:
    """What the render workers reported (per kind and step), from the results handed to the manifest."""
    args, kwargs, out = rec.captured.pop("manifest")
    renders = args[1] if len(args) > 1 else kwargs["renders"]
    totals: dict[str, list[float]] = {}
    for r in renders:
        for key, (n, wall, cpu) in r.get("timings", {}).items():
            acc = totals.setdefault(key, [0, 0.0, 0.0])
            acc[0] += n
            acc[1] += wall
            acc[2] += cpu
    return {"timings": totals, "pids": sorted({r["pid"] for r in renders}), "rendered": out["rendered"],
            "documents": out["documents"], "worker_cpu_s": sum(r.get("cpu_seconds", 0) for r in renders)}


def pdf_sizes(reports: Path) -> dict:
    def kb(paths: list[Path]) -> dict:
        sizes = sorted(p.stat().st_size / 1024 for p in paths)
        return {"n": len(sizes), "median_kb": statistics.median(sizes), "max_kb": sizes[-1]} if sizes else {"n": 0}
    bulletin = reports / "bulletin.pdf"
    return {"county": kb(list((reports / "county").glob("*.pdf"))), "cadre": kb(list((reports / "cadre").glob("*.pdf"))),
            "bulletin_kb": bulletin.stat().st_size / 1024 if bulletin.exists() else None}


def subsetter() -> str:
    """Which font subsetter WeasyPrint uses here: HarfBuzz (libharfbuzz-subset ≥ 4.1) or its fontTools fallback."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return "harfbuzz" if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0) else "fonttools"


# ---------------------------------------------------------------------------------------- ratios
def ratio_scoring(regions: int, indicators: int, skip_naive: bool) -> dict:
    """(a) on benchmarks/scoring.py's framework at this size; the naive results must equal the SQL ones."""
    import tempfile

    from benchmarks.scoring import YEAR as SYEAR
    from benchmarks.scoring import build, compare, naive_scores, timed
    from transforms.scoring.score import score_year

    with tempfile.TemporaryDirectory() as tmp:
        con, fw, obs, counties = build(Path(tmp), regions, indicators, 20250101)
        runs = [timed(lambda n=n: score_year(con, fw, SYEAR, f"bench-{n}")) for n in range(3)]
        out = {"counties": regions, "indicators": indicators, "observations": obs.height,
               "vectorized_wall_s": statistics.median(w for w, _ in runs),
               "vectorized_cpu_s": statistics.median(c for _, c in runs)}
        if not skip_naive:
            wall, cpu = timed(lambda: out.__setitem__("naive", naive_scores(obs.to_pandas(), counties, fw,
                                                                            [SYEAR - 1, SYEAR])))
            out["numbers_compared"] = compare(con, "bench-0", out.pop("naive"))
            out |= {"naive_wall_s": wall, "naive_cpu_s": cpu, "ratio_wall": wall / out["vectorized_wall_s"],
                    "ratio_cpu": cpu / out["vectorized_cpu_s"]}
        con.close()
    return out


def ratio_bare_weasyprint(spec, run_id: str, reports: Path, sample: int, plan_share_s: float) -> dict:
    """(d) per document, in this process, alternating: the project's way (context share + content-hash
    share + templating + WeasyPrint with the shared stylesheet and fonts) vs `HTML(string=...).write_pdf()`
    on the finished HTML file."""
    from weasyprint import HTML

    from report_templates.render import Renderer
    from transforms.runtime.warehouse import open_warehouse
    from transforms.reporting.context import build_contexts

    c0 = time.process_time()
    with open_warehouse(spec.home) as con:
        docs = getattr(build_contexts, "__wrapped__", build_contexts)(con, spec.framework, spec.year, run_id)
    context_share = (time.process_time() - c0) / len(docs)
    picked = _sample([d for d in docs if d[0] != "bulletin"], sample)
    renderer = Renderer()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # the finished HTML's screen-only @media rules
    renderer.render_pdf(picked[0][0], picked[0][3])  # warm-up of both: lazy imports, font caches
    HTML(string=(reports / picked[0][0] / f"{picked[0][1]}.html").read_text("utf-8"), base_url=None).write_pdf()
    project, bare = [], []
    for kind, key, _title, ctx in picked:
        path = reports / kind / f"{key}.html"
        c0 = time.process_time()
        renderer.render_pdf(kind, ctx)
        c1 = time.process_time()
        HTML(string=path.read_text("utf-8"), base_url=None).write_pdf()
        c2 = time.process_time()
        project.append(c1 - c0)
        bare.append(c2 - c1)
    per_doc = statistics.mean(project) + context_share + plan_share_s
    return {"documents": len(picked), "project_render_cpu_s": statistics.mean(project),
            "context_share_s": context_share, "plan_share_s": plan_share_s, "project_per_doc_s": per_doc,
            "bare_per_doc_s": statistics.mean(bare), "overhead": per_doc / statistics.mean(bare) - 1}


def _sample(docs: list, n: int) -> list:
    """n documents spread evenly over the list (counties and cadres in proportion)."""
    if n >= len(docs):
        return docs
    step = len(docs) / n
    return [docs[int(i * step)] for i in range(n)]


def sample_pdfs(spec, run_id: str, n: int, out: Path) -> dict:
    """--sample-pdf: render n documents (the bulletin and counties and cadres in proportion) to PDF in
    this process, one Renderer, and time each; the per-kind means extrapolate the PDF stage."""
    from report_templates.render import Renderer
    from transforms.runtime.warehouse import open_warehouse
    from transforms.reporting.context import build_contexts

    with open_warehouse(spec.home) as con:
        docs = getattr(build_contexts, "__wrapped__", build_contexts)(con, spec.framework, spec.year, run_id)
    counts = {k: sum(d[0] == k for d in docs) for k in ("county", "cadre", "bulletin")}
    renderer = Renderer()
    picked = [d for d in docs if d[0] == "bulletin"] + _sample([d for d in docs if d[0] != "bulletin"], n - 1)
    renderer.render_pdf(picked[1][0], picked[1][3])  # warm-up
    per_kind: dict[str, list[tuple[float, float, int]]] = {}
    out.mkdir(parents=True, exist_ok=True)
    for kind, key, _title, ctx in picked:
        w0, c0 = time.perf_counter(), time.process_time()
        pdf = renderer.render_pdf(kind, ctx)
        per_kind.setdefault(kind, []).append((time.perf_counter() - w0, time.process_time() - c0, len(pdf)))
        (out / f"{kind}-{key}.pdf").write_bytes(pdf)
    kinds = {k: {"sampled": len(v), "of": counts[k], "wall_mean_s": statistics.mean(x[0] for x in v),
                 "cpu_mean_s": statistics.mean(x[1] for x in v), "size_median_kb": statistics.median(x[2] for x in v) / 1024,
                 "size_max_kb": max(x[2] for x in v) / 1024} for k, v in per_kind.items()}
    cpu = sum(k["cpu_mean_s"] * k["of"] for k in kinds.values())
    wall_one = sum(k["wall_mean_s"] * k["of"] for k in kinds.values())
    return {"kinds": kinds, "extrapolated_cpu_s": cpu, "extrapolated_wall_one_worker_s": wall_one}


# ---------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=100, help="counties (100: a province, 2850: the country)")
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--cache", type=Path, default=ROOT / "var" / "bench", help="where datasets and homes go")
    ap.add_argument("--html-only", action="store_true", help="render HTML only (no PDF)")
    ap.add_argument("--sample-pdf", type=int, default=0, metavar="N",
                    help="HTML run, then PDFs of N documents timed to extrapolate the PDF stage (labelled so)")
    ap.add_argument("--skip-naive", action="store_true", help="skip the row-by-row pandas scoring of ratio (a)")
    ap.add_argument("--skip", default="", help="comma-separated ratios to skip: a,b,c,d")
    ap.add_argument("--bare-sample", type=int, default=12, help="documents for ratio (d)")
    ap.add_argument("--workers", type=int, default=None, help="rendering processes (default: all cores)")
    ap.add_argument("--history", choices=("previous-run", "none"), default="previous-run",
                    help="previous-run (default): the years before are in the warehouse from last year's run "
                         f"(`run --year {YEAR - 1} --no-pdf`, timed apart), so the measured run receives and "
                         "validates its own year's files; none: a fresh home, the measured run takes all five years")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--print", type=Path, default=None, metavar="JSON", help="print the table of an earlier run's JSON")
    args = ap.parse_args()
    if args.print:
        saved = json.loads(args.print.read_text("utf-8"))
        print(table(saved, saved["machine"]["cores"]))
        return
    skip = set(filter(None, args.skip.split(",")))
    pdf = not (args.html_only or args.sample_pdf)
    cores = len(os.sched_getaffinity(0))

    report: dict[str, Any] = {
        "date": datetime.now().isoformat(timespec="seconds"), "command": " ".join(["python -m benchmarks.run", *sys.argv[1:]]),
        "machine": {"cores": cores, "cpu": _cpu_name(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": platform.python_version(), "platform": platform.platform()},
        "mode": "html+pdf" if pdf else ("html + sampled pdf (extrapolated)" if args.sample_pdf else "html only"),
        "load_before": os.getloadavg()}
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"数据集 / dataset: {args.regions} 县 …", flush=True)
    ds = dataset(args.cache, args.regions, args.seed)
    report["dataset"] = ds
    work = args.cache / f"run-{args.regions}"
    shutil.rmtree(work, ignore_errors=True)
    inbox, home, log = work / "inbox", work / "home", work / "cli.log"
    shutil.copytree(ds["inbox"], inbox)  # (b) adds a file to this copy; the cached one stays as generated
    os.environ["ECOASSESS_DATA"] = ds["data"]
    os.environ["ECOASSESS_HOME"] = str(home)

    sampler = Sampler()
    sampler.start()
    rec = Recorder(sampler)
    with rec.stage("imports"):
        from flows import cli
        from transforms.runtime.home import Home
        from flows.stages import RunSpec, latest_scored_run
        instrument(rec)
    common = {"year": YEAR, "framework": ds["framework"], "wait": False, "home": home, "data": Path(ds["data"]),
              "dask": False, "dask_address": None}

    if args.history == "previous-run":
        # last year's run, as the office made it a year ago: 2021–2024 received, validated, scored, HTML
        print(f"历史 / history: ecoassess run --year {YEAR - 1} --no-pdf on {YEAR - 4}–{YEAR - 1} …", flush=True)
        history = work / "history-inbox"
        for year_dir in Path(ds["inbox"]).iterdir():
            if year_dir.name.isdigit() and int(year_dir.name) < YEAR:
                shutil.copytree(year_dir, history / year_dir.name)
        with rec.stage("history"):
            cli_quietly(cli.run, log, inbox=history, demo=False, pdf=False, workers=args.workers, force_render=False,
                        **common | {"year": YEAR - 1})
        report["history"] = {"stages": rec.take(), "render": render_totals(rec)}

    print(f"完整运行 / full run ({report['mode']}) …", flush=True)
    with rec.stage("run"):
        cli_quietly(cli.run, log, inbox=inbox, demo=False, pdf=pdf, workers=args.workers, force_render=False, **common)
    full = rec.take()
    report["full_run"] = {"stages": full, "render": render_totals(rec)}
    spec = RunSpec(Home.resolve(home), ds["framework"], YEAR, None)
    run_id = latest_scored_run(spec)
    reports = home / "reports" / str(YEAR)
    warehouse_files = [home / "warehouse.duckdb", home / "warehouse.duckdb.wal"]
    report["warehouse_mib"] = sum(p.stat().st_size for p in warehouse_files if p.exists()) / 2**20
    report["pdf_sizes"] = pdf_sizes(reports) if pdf else None
    report["subsetter"] = subsetter()

    if args.sample_pdf:
        print(f"PDF 抽样 / sampling {args.sample_pdf} PDFs …", flush=True)
        with rec.stage("sample_pdf"):
            report["pdf_sample"] = sample_pdfs(spec, run_id, args.sample_pdf, work / "pdf-sample")
        report["pdf_sample"]["stage"] = rec.take()["sample_pdf"]  # its peak memory: the bulletin's

    ratios: dict[str, Any] = {}
    if "b" not in skip:
        print("(b) 更正后重新运行 / re-run after a correction …", flush=True)
        correction = correct_one_value(inbox)
        with rec.stage("run"):
            cli_quietly(cli.run, log, inbox=inbox, demo=False, pdf=pdf, workers=args.workers, force_render=False,
                        **common)
        again = rec.take()
        totals = render_totals(rec)
        ratios["b"] = {"correction": correction, "stages": again, "rendered": totals["rendered"],
                       "documents": totals["documents"],
                       "ratio": again["run"]["wall_s"] / full["run"]["wall_s"],
                       "ratio_cpu": _cpu(again["run"]) / _cpu(full["run"])}
    if "c" not in skip:
        print("(c) 全部核心 vs 单进程 / all cores vs one worker …", flush=True)
        for label, workers in (("one", 1), ("all", None)):
            with rec.stage("rerender"):
                cli_quietly(cli.rerender, log, pdf=pdf, force=True, workers=workers, **common)
            st = rec.take()
            ratios.setdefault("c", {})[label] = {"stages": st, **{k: v for k, v in render_totals(rec).items()
                                                                   if k != "timings"}}
        c = ratios["c"]
        c["ratio"] = c["one"]["stages"]["rerender"]["wall_s"] / c["all"]["stages"]["rerender"]["wall_s"]
        c["render_ratio"] = _render_wall(c["one"]["stages"]) / _render_wall(c["all"]["stages"])
        c["workers"] = args.workers or cores
    if "d" not in skip:
        print("(d) 项目 vs 裸 WeasyPrint / project vs bare WeasyPrint …", flush=True)
        plan = full.get("plan_report", {}).get("cpu_s", 0) - full.get("contexts", {}).get("cpu_s", 0) \
            - full.get("index", {}).get("cpu_s", 0)  # content hashing, CPU
        n_docs = report["full_run"]["render"]["documents"] or 1
        if pdf or args.sample_pdf:
            ratios["d"] = ratio_bare_weasyprint(spec, run_id, reports, args.bare_sample, plan / n_docs)
    if "a" not in skip:
        print("(a) 评分: SQL vs pandas 逐行 / scoring vectorized vs naive …", flush=True)
        ratios["a"] = ratio_scoring(args.regions, ds["indicators"], args.skip_naive)
    report["ratios"] = ratios
    report["load_after"] = os.getloadavg()
    sampler.stopped.set()

    out = args.json or ROOT / "benchmarks" / "out" / f"run-{args.regions}{'' if pdf else '-html'}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
    print(table(report, cores))
    print(f"\nJSON: {out}\nCLI output: {log}")


def _cpu(st: dict) -> float:
    return st["cpu_s"] + st["children_cpu_s"]


def _render_wall(stages: dict) -> float:
    """The rendering itself: the report stage minus planning and the manifest."""
    return stages["rerender"]["wall_s"] - stages.get("plan_report", {}).get("wall_s", 0) \
        - stages.get("manifest", {}).get("wall_s", 0)


def _cpu_name() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


# ---------------------------------------------------------------------------------------- table
def table(r: dict, cores: int) -> str:
    st = r["full_run"]["stages"]
    rt = r["full_run"]["render"]
    lines = [f"ecoassess 年度运行基准 / annual run benchmark — {r['dataset']['regions']} 县, "
             f"{r['dataset']['indicators']} 指标, {r['dataset']['departments']} 部门, {r['dataset']['cadres']} 名干部, "
             f"{r['dataset']['files']} 个报送文件 (5 年) — {r['mode']}",
             f"{r['date']}, {r['machine']['cpu']}, {cores} 核, {r['machine']['memory_gib']} GiB; "
             f"负载 / load before {r['load_before'][0]:.1f}, after {r['load_after'][0]:.1f}",
             (f"history: the years before are in the warehouse from last year's run (`run --year 2024 --no-pdf`, "
              f"{r['history']['stages']['history']['wall_s']:.0f} s, not counted); this run receives and validates "
              f"its own year's files" if r.get("history") else "history: none (fresh home: this run receives and "
              "validates all five years' files)"),
             "", f"| {'stage':36} | {'wall s':>8} | {'CPU s':>8} | {'peak MiB (main/all)':>19} | {'load':>4} |",
             f"|{'-' * 38}|{'-' * 10}|{'-' * 10}|{'-' * 21}|{'-' * 6}|"]

    def row(label: str, s: dict | None, cpu: float | None = None, wall: float | None = None, note: str = "") -> None:
        if s is None and cpu is None:
            return
        w = s["wall_s"] if s else wall
        c = _cpu(s) if s and cpu is None else cpu
        mem = f"{s['peak_main_mib']:.0f} / {s['peak_tree_mib']:.0f}" if s else ""
        load = f"{s['load1']:.1f}" if s else ""
        lines.append(f"| {label:36} | {'' if w is None else f'{w:8.2f}':>8} | {'' if c is None else f'{c:8.2f}':>8} "
                     f"| {mem:>19} | {load:>4} |{(' ' + note) if note else ''}")

    for name in ("ingest", "validate", "fingerprint", "score", "veto", "attribute"):
        row(name, st.get(name))
    row("  of score: score_year", st.get("score_year"))
    row("  of score: rank_uncertainty", st.get("rank_uncertainty"))
    row("report (all)", st.get("report"))
    row("  contexts (warehouse → dicts)", st.get("contexts"))
    row("  index page", st.get("index"))
    plan = st.get("plan_report")
    if plan:
        hashing = dict(plan, wall_s=plan["wall_s"] - st.get("contexts", {}).get("wall_s", 0)
                       - st.get("index", {}).get("wall_s", 0),
                       cpu_s=plan["cpu_s"] - st.get("contexts", {}).get("cpu_s", 0) - st.get("index", {}).get("cpu_s", 0))
        row("  plan (a job per document)", hashing)
    tm = rt["timings"]
    for label, keys in (("HTML + content hash", ("county.html", "cadre.html")), ("PDF", ("county.pdf", "cadre.pdf")),
                        ("bulletin (HTML+PDF)", ("bulletin.html", "bulletin.pdf")),
                        ("file writes", ("county.write", "cadre.write", "bulletin.write"))):
        got = [tm[k] for k in keys if k in tm]
        if got:
            n = sum(g[0] for g in got if not keys[0].startswith("bulletin")) or sum(g[0] for g in got)
            row(f"  {label} (workers, Σ)", None, cpu=sum(g[2] for g in got), wall=sum(g[1] for g in got),
                note=f"{int(n)} documents" if label in ("HTML + content hash", "PDF") else "")
    row("  manifest", st.get("manifest"))
    run = st["run"]
    accounted = sum(st[k]["wall_s"] for k in ("ingest", "validate", "fingerprint", "score", "veto", "attribute", "report")
                    if k in st)
    row("Prefect + CLI (rest of the run)", None, wall=run["wall_s"] - accounted)
    row("WHOLE RUN (measured)", run)
    sample = r.get("pdf_sample")
    if sample:
        row("PDF, extrapolated (1 process)", None, cpu=sample["extrapolated_cpu_s"],
            wall=sample["extrapolated_wall_one_worker_s"], note="EXTRAPOLATED from the sample")
        c = r["ratios"].get("c")
        if c:
            w = sample["extrapolated_wall_one_worker_s"] / c["render_ratio"]
            row(f"PDF, extrapolated ({c['workers']} workers)", None, cpu=sample["extrapolated_cpu_s"], wall=w,
                note=f"EXTRAPOLATED (÷ speed-up {c['render_ratio']:.2f} of (c))")
            row("WHOLE RUN with PDF, extrapolated", None, cpu=_cpu(run) + sample["extrapolated_cpu_s"],
                wall=run["wall_s"] + w, note="EXTRAPOLATED")
    render_wall = st["report"]["wall_s"] - st.get("plan_report", {}).get("wall_s", 0) - st.get("manifest", {}).get("wall_s", 0)
    lines += ["", f"documents: {rt['documents']} ({rt['rendered']} rendered), "
                  f"{rt['rendered'] / render_wall if render_wall > 0 else 0:.1f} documents/s while rendering "
                  f"({render_wall:.1f} s), {rt['rendered'] / run['wall_s']:.1f} documents/s over the whole run; "
                  f"render worker pids {rt['pids']}",
              f"warehouse: {r['warehouse_mib']:.1f} MiB; peak memory of the run (all processes): "
              f"{run['peak_tree_mib'] / 1024:.2f} GiB; font subsetter: {r['subsetter']}"]
    sizes = r.get("pdf_sizes")
    if sizes:
        lines.append(f"PDF sizes: county median {sizes['county']['median_kb']:.0f} KB, max {sizes['county']['max_kb']:.0f} KB; "
                     f"cadre median {sizes['cadre']['median_kb']:.0f} KB, max {sizes['cadre']['max_kb']:.0f} KB; "
                     f"bulletin {sizes['bulletin_kb']:.0f} KB")
    if sample:
        if "stage" in sample:
            lines.append(f"PDF sample: peak memory of this process {sample['stage']['peak_main_mib']:.0f} MiB "
                         "(one Renderer, the bulletin included)")
        for k, v in sample["kinds"].items():
            lines.append(f"PDF sample {k}: {v['sampled']} of {v['of']}, {v['wall_mean_s']:.2f} s wall / "
                         f"{v['cpu_mean_s']:.2f} s CPU each, median {v['size_median_kb']:.0f} KB, max {v['size_max_kb']:.0f} KB")
    ra = r["ratios"]
    lines += ["", "ratios (target):"]
    a = ra.get("a")
    if a:
        lines.append(f"  (a) scoring SQL {a['vectorized_wall_s']:.3f} s wall / {a['vectorized_cpu_s']:.3f} s CPU "
                     f"({a['counties']} × {a['indicators']}, 2 years)"
                     + (f" vs pandas row by row {a['naive_wall_s']:.1f} s / {a['naive_cpu_s']:.1f} s: "
                        f"{a['ratio_wall']:.0f}× wall, {a['ratio_cpu']:.0f}× CPU, {a['numbers_compared']:,} numbers equal "
                        f"(≥ {TARGETS['a']}×)" if "ratio_wall" in a else " (naive skipped)"))
    b = ra.get("b")
    if b:
        lines.append(f"  (b) re-run after one correction: {b['stages']['run']['wall_s']:.1f} s vs {run['wall_s']:.1f} s = "
                     f"{100 * b['ratio']:.1f} % wall, {100 * b['ratio_cpu']:.1f} % CPU; {b['rendered']} of "
                     f"{b['documents']} documents re-rendered (< {100 * TARGETS['b']:.0f} %)")
    c = ra.get("c")
    if c:
        lines.append(f"  (c) rerender --force: 1 worker {c['one']['stages']['rerender']['wall_s']:.1f} s, {c['workers']} workers "
                     f"{c['all']['stages']['rerender']['wall_s']:.1f} s: {c['ratio']:.2f}× (rendering alone "
                     f"{c['render_ratio']:.2f}×) (≥ {TARGETS['c']}×)")
    d = ra.get("d")
    if d:
        lines.append(f"  (d) per PDF document: project {d['project_per_doc_s']:.3f} s CPU (render "
                     f"{d['project_render_cpu_s']:.3f} + contexts {d['context_share_s']:.3f} + hashing "
                     f"{d['plan_share_s']:.3f}) vs bare WeasyPrint on the finished HTML {d['bare_per_doc_s']:.3f} s: "
                     f"{100 * d['overhead']:+.0f} % ({d['documents']} documents; ≤ +{100 * TARGETS['d']:.0f} %)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
