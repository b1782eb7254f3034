"""The annual assessment as Prefect flows: ingest → validate → fingerprint → score → veto →
attribute → report, plus `revalidate_department` and `rerender`.

Thin by design: every task calls one plain function of `transforms.pipeline` or
`report_templates.publish`. Runs without a Prefect server (Prefect starts a temporary local one);
with PREFECT_API_URL set, runs and their artifacts show in that server's UI. The deployments are in
`prefect.yaml`.

Report rendering is a subflow whose task runner is chosen per run: threads that hand each chunk of
documents to a pool of worker processes (WeasyPrint holds the GIL), or, with `dask`, a Dask cluster
through prefect-dask. Either way the warehouse is read once, in this process, and written only here.
"""

from __future__ import annotations

import errno
import os
import time
from concurrent.futures import CancelledError
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import progress
from transforms import pipeline
from transforms.home import Home
from transforms.pipeline import RunSpec

def cores() -> int:
    return len(os.sched_getaffinity(0))


PERMANENT = {errno.EROFS, errno.EACCES, errno.EPERM, errno.EEXIST, errno.ENOTDIR, errno.EISDIR}


def _transient(task, task_run, state) -> bool:
    """Retry only what can fail transiently: the file system (a network share that blinked, a disk
    that was full a moment). A read-only or forbidden folder, bad data, bad configuration and bugs
    fail the same way every time."""
    try:
        state.result()
    except OSError as exc:
        return exc.errno not in PERMANENT
    except BaseException:
        return False
    return False


ON_FILES = {"retries": 2, "retry_delay_seconds": 3, "retry_condition_fn": _transient, "cache_policy": NO_CACHE}
ONCE = {"cache_policy": NO_CACHE}  # our own fingerprints decide what is redone, not Prefect's cache


@task(name="ingest", **ON_FILES)
def ingest(spec: RunSpec) -> dict:
    return pipeline.ingest(spec)


@task(name="validate", **ONCE)
def validate(spec: RunSpec, department: str | None = None) -> list[dict]:
    return pipeline.validate(spec, department)


@task(name="fingerprint", **ONCE)
def fingerprint(spec: RunSpec, run_id: str) -> dict:
    return pipeline.fingerprint(spec, run_id)


@task(name="score", **ONCE)
def score(spec: RunSpec, run_id: str) -> dict:
    return pipeline.score(spec, run_id)


@task(name="veto", **ONCE)
def veto(spec: RunSpec, run_id: str) -> dict:
    return pipeline.veto(spec, run_id)


@task(name="attribute", **ONCE)
def attribute(spec: RunSpec, run_id: str) -> dict:
    return pipeline.attribute(spec, run_id)


@task(name="plan_report", **ONCE)
def plan_report(spec: RunSpec, run_id: str, pdf: bool, force: bool):
    return pipeline.plan_report(spec, run_id, pdf, force)


@task(name="render", **ON_FILES)
def render(chunk: Any, pool: Any = None) -> dict:
    """Render a chunk of documents (`report_templates.publish.Chunk`): in a worker process of `pool`, or
    where this task runs (a Dask worker); those whose content changed are written."""
    from report_templates.publish import render_jobs

    return render_jobs(chunk.jobs) if pool is None else pool.submit(render_jobs, chunk.jobs).result()


@task(name="write_manifest", **ON_FILES)
def write_manifest(report_plan, renders: list[dict]) -> dict:
    return pipeline.finish_report(report_plan, renders)


# ---------------------------------------------------------------- report rendering, fanned out

def _task_runner(workers: int, dask: str | None):
    if not dask:
        return ThreadPoolTaskRunner(max_workers=workers)
    import logging

    from prefect_dask import DaskTaskRunner

    logging.getLogger("distributed").setLevel(logging.WARNING)  # the scheduler's INFO lines drown the run's
    if dask == "local":  # a cluster for this run only: one single-threaded worker process per core
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "processes": True, "threads_per_worker": 1,
                                              "dashboard_address": None})
    return DaskTaskRunner(address=dask)


@contextmanager
def _api_for_remote_workers() -> Iterator[None]:
    """Dask workers are other processes. Without PREFECT_API_URL each would start a temporary
    Prefect server of its own (~7 s each); point them at the one this process started instead."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if server.server_process is None:
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


@flow(name="publish_reports")
def publish_reports(home: str, year: int, framework: str, run_id: str, pdf: bool = True, workers: int | None = None,
                    dask: str | None = None, force: bool = False) -> dict:
    """Plan once, render the documents in chunks over the flow's task runner (a document is written only
    if its content changed), write the manifest."""
    from report_templates.publish import Chunk, worker_pool

    spec = RunSpec(Home.resolve(home), framework, year, None)
    workers = workers or cores()
    report_plan = plan_report(spec, run_id, pdf, force)
    renders: list[dict] = []
    if report_plan.jobs:
        progress.begin("report", len(report_plan.jobs))
        failures: list[BaseException] = []
        with worker_pool(1 if dask else workers) as pool:
            # Chunk: Prefect would otherwise walk every context of every document looking for futures
            # (minutes at national scale, in this process, while the workers wait)
            futures = render.map([Chunk(c) for c in report_plan.chunks(4 * workers)], pool=unmapped(pool))
            for done in as_completed(futures):  # every chunk ends before the pool is shut down
                try:
                    renders.append(done.result())
                except CancelledError:
                    continue
                except Exception as exc:
                    if not failures:  # fail fast: a full or read-only disk fails every chunk still queued
                        _cancel_queued(futures)
                    failures.append(exc)
                    continue
                progress.advance("report", renders[-1]["documents"])
        if failures:  # the manifest keeps describing the files as they were
            first = failures[0]
            if isinstance(first, OSError):
                raise pipeline.report_output_error(spec.home.reports(year), first) from first
            raise first
    return write_manifest(quote(report_plan), renders)  # quote: not walked into either (a direct call)


def _cancel_queued(futures: list) -> None:
    """Cancel the chunks that have not started (on threads, a running one finishes): once a chunk has
    failed after its retries (a full or read-only report folder), each queued chunk would only fail
    the same way, three tries each."""
    for future in futures:
        wrapped = getattr(future, "wrapped_future", None)  # concurrent.futures or distributed
        if wrapped is not None:
            wrapped.cancel()


def _cluster_workers(address: str) -> int | None:
    """The worker processes of a running Dask cluster: the documents are cut into 4 chunks per worker,
    so every machine of the cluster gets work (not as many chunks as this machine has cores)."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        return len(client.scheduler_info()["workers"]) or None


def render_reports(spec: RunSpec, run_id: str, pdf: bool, workers: int | None, dask: str | None,
                   force: bool = False) -> dict:
    """Run `publish_reports` on the task runner the options ask for."""
    workers = workers or (_cluster_workers(dask) if dask and dask != "local" else None) or cores()
    sub = publish_reports.with_options(task_runner=_task_runner(workers, dask))
    with _api_for_remote_workers() if dask else nullcontext():
        return sub(home=str(spec.home.root), year=spec.year, framework=spec.framework_id, run_id=run_id, pdf=pdf,
                   workers=workers, dask=dask, force=force)


# ---------------------------------------------------------------- the annual assessment

class Stages:
    """Runs stages in order and keeps what the run history needs: timings, counts, the failed stage."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.counts: dict[str, Any] = {}
        self.current: str | None = None

    def run(self, name: str, call: Callable[[], Any]) -> Any:
        self.current = name
        progress.begin(name)
        t0 = time.perf_counter()
        try:
            self.counts[name] = call()
        except BaseException as exc:
            exc.add_note(f"阶段 / stage: {name}")
            raise
        finally:
            self.timings[name] = round(time.perf_counter() - t0, 3)
        progress.end(name)
        self.current = None
        return self.counts[name]


def _summary_markdown(run_id: str, spec: RunSpec, status: str, stages: Stages, summary: dict,
                      fingerprint_counts: dict | None, error: str | None) -> str:
    c = stages.counts
    validated = c.get("validate") or []
    lines = [f"# 生态文明建设目标评价考核 {spec.year} 年度运行摘要 / run summary", "",
             f"- 运行 / run: `{run_id}` ({spec.framework_id}), 结果 / outcome: **{status}**"]
    if fingerprint_counts:
        lines.append(f"- 输入指纹 / inputs fingerprint: `{fingerprint_counts['fingerprint'][:16]}`"
                     + (f", 输入未变, 沿用运行 `{fingerprint_counts['scored_run_id']}` 的结果 / inputs unchanged"
                        if fingerprint_counts["reused"] else ", 重新计算 / computed"))
    if "ingest" in c:
        lines.append(f"- 收件 / inbox: {c['ingest']['files_seen']} 个文件, 新收 / new {c['ingest']['new_files']}, "
                     f"解析 / parsed {c['ingest']['parsed']}")
    lines.append(f"- 本次审核 / validated now: {len(validated)} 份, 退回 / rejected "
                 f"{sum(o['status'] == 'rejected' for o in validated)}")
    if "score" in c:
        lines.append(f"- 计分 / scored: {c['score']['regions']} 个县(市、区)-年度; 否决命中 / veto hits "
                     f"{c['veto']['hits']}; 干部结果 / cadre results {c['attribute']['cadre_results']}")
    if "report" in c:
        lines.append(f"- 报告 / documents: {c['report']['documents']}, 本次生成 / rendered {c['report']['rendered']}")
    if summary.get("grades"):
        lines += ["", "## 等级分布 / grades", "", "| 等级 | 个数 |", "|---|---|"]
        lines += [f"| {g} | {n} |" for g, n in summary["grades"].items()]
    lines += ["", "## 数据审核(按部门) / validation by department", ""]
    lines += [f"- {d['部门']}: {d['结论']}; 采用 {d['采用版本']}, 警告 {d['采用版本警告']}, 退回 {d['退回']} 份"
              for d in summary.get("validation_by_department", [])]
    lines += ["", "## 一票否决 / vetoes", ""]
    lines += [f"- {name}: {'、'.join(rules)}" for name, rules in summary.get("vetoed", {}).items()] or ["- 无 / none"]
    lines += ["", "## 失败与退回 / failures", ""]
    if error:
        lines.append(f"- 运行失败 / run failed: {error}")
    rejected = [v for v in summary.get("validation", []) if v["状态"] == "rejected"]
    lines += [f"- 退回 / rejected: {r['部门']} 《{r['文件']}》 第 {r['版本']} 版: {r['说明'] or ''}" for r in rejected]
    if not error and not rejected:
        lines.append("- 无 / none")
    lines += ["", "## 各阶段耗时 / stage timings (s)", "", "| 阶段 | 秒 |", "|---|---|"]
    lines += [f"| {name} | {seconds} |" for name, seconds in stages.timings.items()]
    return "\n".join(lines)


def _publish_artifacts(run_id: str, spec: RunSpec, status: str, stages: Stages, summary: dict, error: str | None):
    create_markdown_artifact(key="assessment-summary", description=f"{spec.year} 年度运行摘要 / run summary",
                             markdown=_summary_markdown(run_id, spec, status, stages, summary,
                                                        stages.counts.get("fingerprint"), error))
    create_table_artifact(key="validation-by-department", description="各部门报送审核 / validation per department",
                          table=summary.get("validation_by_department") or [{"说明": "无部门 / no departments"}])
    create_table_artifact(key="validation-submissions", description="各报送文件 / every file of the year",
                          table=summary.get("validation") or [{"说明": "本年度无报送 / no submissions"}])
    if summary.get("ranking"):
        create_table_artifact(key="ranking", description=f"{spec.year} 年度排名 / ranking", table=summary["ranking"])


@flow(name="annual_assessment", log_prints=True)
def annual_assessment(year: int | None = None, framework: str = "ganzhou_2024", inbox: str | None = None,
                      pdf: bool = True, workers: int | None = None, dask: str | None = None,
                      force_render: bool = False) -> dict:
    """Run the year's assessment end to end on the home in $ECOASSESS_HOME (default `var/`).

    Without a year (the scheduled deployment) it assesses the previous calendar year. `workers`:
    rendering processes (default: all cores); `dask`: "local" for a Dask cluster of this run, or a
    scheduler address; `force_render`: re-render every document even if its content is unchanged.
    """
    year = year or date.today().year - 1
    home = Home.resolve()
    spec = RunSpec(home, framework, year, Path(inbox) if inbox else None)
    parameters = {"year": year, "framework": framework, "inbox": inbox, "pdf": pdf, "workers": workers,
                  "dask": dask, "force_render": force_render}
    with pipeline.exclusive(home, what=f"annual_assessment {year}"):
        run_id = pipeline.start_run(spec, parameters, flow_run.get_id())
        stages, error, scored = Stages(), None, None
        try:
            stages.run("ingest", lambda: ingest(spec))
            stages.run("validate", lambda: validate(spec))
            fp = stages.run("fingerprint", lambda: fingerprint(spec, run_id))
            scored = fp["scored_run_id"]
            if not fp["reused"]:  # same inputs and code as an earlier run: its numbers stand
                stages.run("score", lambda: score(spec, run_id))
                stages.run("veto", lambda: veto(spec, run_id))
                stages.run("attribute", lambda: attribute(spec, run_id))
            stages.run("report", lambda: render_reports(spec, scored, pdf, workers, dask, force_render))
        except BaseException as exc:
            error = f"{stages.current}: {type(exc).__name__}: {exc}"
            raise
        finally:
            status = "failed" if error else "succeeded"
            try:
                summary = pipeline.run_summary(spec, scored if not error else None)
                pipeline.finish_run(spec, run_id, status, stages.timings, stages.counts, summary, error)
                _publish_artifacts(run_id, spec, status, stages, summary, error)
            except Exception:
                if not error:
                    raise  # on a failed run, the first error is the one to report
        report = stages.counts["report"]
        return {"run_id": run_id, "scored_run_id": scored, "reports": str(home.reports(year)),
                "timings": stages.timings, "rendered": report["rendered"], "documents": report["documents"],
                "render_pids": report["render_pids"], **summary}


@flow(name="revalidate_department", log_prints=True)
def revalidate_department(department: str, year: int, framework: str = "ganzhou_2024",
                          inbox: str | None = None) -> list[dict]:
    """After a steward's resubmission: pull the inbox and validate that department's new files only."""
    from transforms.config import load_departments
    from transforms.intake import resolve_department

    dept = resolve_department(department, load_departments())
    if dept is None:
        raise ValueError(f"未知部门 {department!r} / unknown department")
    spec = RunSpec(Home.resolve(), framework, year, Path(inbox) if inbox else None)
    with pipeline.exclusive(spec.home, what=f"revalidate {dept.code} {year}"):
        ingest(spec)
        outcomes = validate(spec, dept.code)
    create_table_artifact(key="revalidation", description=f"{dept.name} {year} 年度重新审核 / revalidation",
                          table=outcomes or [{"说明": "没有新的报送文件 / no new files"}])
    return outcomes


@flow(name="rerender", log_prints=True)
def rerender(year: int, framework: str = "ganzhou_2024", pdf: bool = True, workers: int | None = None,
             dask: str | None = None, force: bool = False) -> dict:
    """Re-render the year's documents from its latest succeeded run (after a template change, or
    with `force` after a font change); documents whose content is unchanged keep their files."""
    spec = RunSpec(Home.resolve(), framework, year, None)
    with pipeline.exclusive(spec.home, what=f"rerender {year}"):
        scored = pipeline.latest_scored_run(spec)
        if scored is None:
            raise ValueError(f"{year} 年尚无成功的考核运行 / no succeeded run for {year}")
        out = render_reports(spec, scored, pdf, workers, dask, force)
    create_markdown_artifact(key="rerender-summary", markdown=(
        f"# {year} 年度报告重新生成 / re-render\n\n- 依据运行 / from run: `{scored}`\n"
        f"- 报告 / documents: {out['documents']}, 本次生成 / rendered: {out['rendered']}\n"
        f"- 渲染进程 / rendered by pids: {', '.join(map(str, out['render_pids'])) or '—'}"))
    return out
