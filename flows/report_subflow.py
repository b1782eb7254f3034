"""The report stage as a Prefect subflow: plan once, render chunks of documents over the run's task
runner, write the manifest last.

The task runner is chosen per run: threads that hand each chunk to a pool of worker processes
(WeasyPrint holds the GIL), or, with `dask`, a Dask cluster through prefect-dask. Either way the
warehouse is read once, in the run's process, and written only there.
"""

from __future__ import annotations

from concurrent.futures import CancelledError
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator

from prefect import flow, task, unmapped
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import progress, stages
from flows.publish import Chunk, render_jobs, worker_pool
from flows.stages import RunSpec
from flows.task_policy import ON_FILES, ONCE, cores
from transforms.runtime.home import Home

plan_report = task(stages.plan_report, name="规划报告", **ONCE)


@task(name="生成报告", **ON_FILES)
def render(chunk: Any, pool: Any = None) -> dict:
    """Render a chunk of documents (`flows.publish.Chunk`): in a worker process of `pool`, or
    where this task runs (a Dask worker); those whose content changed are written."""
    return render_jobs(chunk.jobs) if pool is None else pool.submit(render_jobs, chunk.jobs).result()


@task(name="写入目录页和清单", **ON_FILES)
def write_manifest(report_plan, renders: list[dict]) -> dict:
    return stages.finish_report(report_plan, renders)


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


@flow(name="publish_reports", flow_run_name="{year}年度报告生成")
def publish_reports(home: str, year: int, framework: str, run_id: str, pdf: bool = True, workers: int | None = None,
                    dask: str | None = None, force: bool = False) -> dict:
    """Plan once, render the documents in chunks over the flow's task runner (a document is written only
    if its content changed), write the manifest."""
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
                raise stages.report_output_error(spec.home.reports(year), first) from first
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
