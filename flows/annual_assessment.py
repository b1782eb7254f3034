"""The annual assessment as Prefect flows: ingest → validate → fingerprint → score → veto →
attribute → report, plus `revalidate_department` and `rerender`.

Thin by design: every task is a plain function of `flows.stages`; the report stage is the subflow of
`flows.report_subflow`. Runs without a Prefect server (Prefect starts a temporary local one);
with PREFECT_API_URL set, runs and their artifacts show in that server's UI. The deployments are in
`prefect.yaml`.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.runtime import deployment, flow_run

from flows import progress, stages
from flows.report_subflow import render_reports
from flows.stages import RunSpec
from flows.task_policy import ON_FILES, ONCE
from transforms.config.defaults import default_framework, default_year
from transforms.runtime.home import Home
from transforms.runtime.lock import exclusive

ingest = task(stages.ingest, name=progress.label("ingest"), **ON_FILES)
validate = task(stages.validate, name=progress.label("validate"), **ONCE)
fingerprint = task(stages.fingerprint, name=progress.label("fingerprint"), **ONCE)
score = task(stages.score, name=progress.label("score"), **ONCE)
veto = task(stages.veto, name=progress.label("veto"), **ONCE)
attribute = task(stages.attribute, name=progress.label("attribute"), **ONCE)


def _year() -> int:
    """The year a run assesses: its `year` parameter, else the previous calendar year (the schedule)."""
    return flow_run.parameters.get("year") or default_year()


def _run_name(what: str) -> Callable[[], str]:
    """Flow-run names an office reads in the UI: 2025年度考核, 2025年度报告重新生成."""
    return lambda: f"{_year()}年度{what}"


@contextmanager
def _home_held(home: Home, what: str) -> Iterator[None]:
    """The home for this run. From the CLI (which already holds it) or `flow()` a second run stops at
    once; a deployment run waits its turn instead, logging whom it waits for: runs of one deployment
    queue in Prefect (the deployment's concurrency limit), this queues runs of different deployments
    on the same home (the yearly run behind a manual re-render)."""
    queued = deployment.id is not None
    with exclusive(home, what=what, wait=queued, on_wait=lambda info: progress.log().info(
            f"运行目录 {home.root} 正被另一任务使用(进程 {info.get('pid', '?')}, {info.get('what', '')}), 排队等待")):
        yield


# ---------------------------------------------------------------- the annual assessment

class StageLog:
    """Runs stages in order and keeps what the run history needs: timings, counts, the failed stage."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.counts: dict[str, Any] = {}
        self.current: str | None = None

    def run(self, name: str, call: Callable[[], Any]) -> Any:
        self.current = name
        progress.begin(name)
        progress.log().info(f"{progress.label(name)}: 开始")
        t0 = time.perf_counter()
        try:
            self.counts[name] = call()
        except BaseException as exc:
            exc.add_note(f"阶段 / stage: {name}")
            raise
        finally:
            self.timings[name] = round(time.perf_counter() - t0, 3)
        progress.end(name)
        progress.log().info(f"{progress.label(name)}: 完成, 用时 {self.timings[name]} 秒; {_counts_text(self.counts[name])}")
        self.current = None
        return self.counts[name]


COUNT_LABELS = {"files_seen": "收件", "new_files": "新收", "parsed": "解析", "regions": "县(市、区)-年度",
                "hits": "否决命中", "vetoed_regions": "被否决县(市、区)", "cadre_results": "干部结果",
                "documents": "报告", "rendered": "本次生成", "reused": "沿用上次结果"}


def _counts_text(counts: Any) -> str:
    """A stage's counts as the log line says them (validation: files decided and rejected)."""
    if isinstance(counts, list):
        return f"审核 {len(counts)} 份, 退回 {sum(o.get('status') == 'rejected' for o in counts)} 份"
    if isinstance(counts, dict):
        return ", ".join(f"{COUNT_LABELS[k]} {'是' if v is True else '否' if v is False else v}"
                         for k, v in counts.items() if k in COUNT_LABELS) or "—"
    return "—"


def _summary_markdown(run_id: str, spec: RunSpec, status: str, log: StageLog, summary: dict,
                      fingerprint_counts: dict | None, error: str | None) -> str:
    c = log.counts
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
        lines.append(f"- 报告目录 / reports: `{spec.home.reports(spec.year)}`, "
                     f"目录页 / index: [{spec.year} 年度报告目录]({index_link(spec)})")
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
    lines += [f"| {name} | {seconds} |" for name, seconds in log.timings.items()]
    return "\n".join(lines)


def index_link(spec: RunSpec) -> str:
    """Where a reader opens the year's index page: under $ECOASSESS_REPORTS_URL if the office publishes
    the reports folder there (an intranet address of `reports/`), else the file in the home."""
    base = os.environ.get("ECOASSESS_REPORTS_URL", "").rstrip("/")
    return f"{base}/{spec.year}/index.html" if base else spec.home.reports(spec.year).joinpath("index.html").as_uri()


def _reports_artifact(spec: RunSpec) -> None:
    """A link artifact: where the year's reports are, the index page linked (key `reports`)."""
    folder = spec.home.reports(spec.year)
    if (folder / "index.html").exists():
        create_link_artifact(key="reports", link=index_link(spec), link_text=f"{spec.year} 年度报告目录 index.html",
                             description=f"报告目录 / reports folder: {folder}(县、干部报告与公报, 目录页 index.html)")


def _publish_artifacts(run_id: str, spec: RunSpec, status: str, log: StageLog, summary: dict, error: str | None):
    create_markdown_artifact(key="assessment-summary", description=f"{spec.year} 年度运行摘要 / run summary",
                             markdown=_summary_markdown(run_id, spec, status, log, summary,
                                                        log.counts.get("fingerprint"), error))
    create_table_artifact(key="validation-by-department", description="各部门报送审核 / validation per department",
                          table=summary.get("validation_by_department") or [{"说明": "无部门 / no departments"}])
    create_table_artifact(key="validation-submissions", description="各报送文件 / every file of the year",
                          table=summary.get("validation") or [{"说明": "本年度无报送 / no submissions"}])
    if summary.get("ranking"):
        create_table_artifact(key="ranking", description=f"{spec.year} 年度排名 / ranking", table=summary["ranking"])
    if "report" in log.counts:
        _reports_artifact(spec)


@flow(name="annual_assessment", flow_run_name=_run_name("考核"), log_prints=True)
def annual_assessment(year: int | None = None, framework: str | None = None, inbox: str | None = None,
                      pdf: bool = True, workers: int | None = None, dask: str | None = None,
                      force_render: bool = False) -> dict:
    """Run the year's assessment end to end on the home in $ECOASSESS_HOME (default `var/`).

    Without a year (the scheduled deployment) it assesses the year before today in Asia/Shanghai;
    without a framework, the one of data/defaults.yaml (both resolved when the flow runs).

    Args:
        year: 考核年度, 如 2025; 留空则考核上一年度(每年 3 月的定时运行即如此)
        framework: 指标体系代码(data/frameworks/ 下的文件名, 不含 .yaml); 留空则用 data/defaults.yaml 中的默认体系
        inbox: 报送收件箱目录, 其中为 <年度>/<部门代码>/<文件>; 留空则只用已收到的文件
        pdf: 是否同时生成 PDF 报告(不生成时, 内容有变化的旧 PDF 会被删除)
        workers: 生成报告的进程数, 留空则用全部处理器核心
        dask: 在 Dask 集群上生成报告: "local" 为本次运行临时建立的集群, 或调度器地址 tcp://主机:8786
        force_render: 重新生成全部报告, 即使内容未变(更换字体后使用)
    """
    year, framework = year or default_year(), framework or default_framework()
    home = Home.resolve()
    spec = RunSpec(home, framework, year, Path(inbox) if inbox else None)
    stages.check_configuration(spec)  # a missing inbox or a bad framework: a Chinese message at once, no retries
    parameters = {"year": year, "framework": framework, "inbox": inbox, "pdf": pdf, "workers": workers,
                  "dask": dask, "force_render": force_render}
    with _home_held(home, f"annual_assessment {year}"):
        run_id = stages.start_run(spec, parameters, flow_run.get_id())
        steps, error, scored = StageLog(), None, None
        try:
            steps.run("ingest", lambda: ingest(spec))
            steps.run("validate", lambda: validate(spec))
            fp = steps.run("fingerprint", lambda: fingerprint(spec, run_id))
            scored = fp["scored_run_id"]
            if not fp["reused"]:  # same inputs and code as an earlier run: its numbers stand
                steps.run("score", lambda: score(spec, run_id))
                steps.run("veto", lambda: veto(spec, run_id))
                steps.run("attribute", lambda: attribute(spec, run_id))
            steps.run("report", lambda: render_reports(spec, scored, pdf, workers, dask, force_render))
        except BaseException as exc:
            error = f"{steps.current}: {type(exc).__name__}: {exc}"
            raise
        finally:
            status = "failed" if error else "succeeded"
            try:
                summary = stages.run_summary(spec, scored if not error else None)
                stages.finish_run(spec, run_id, status, steps.timings, steps.counts, summary, error)
                stages.leave_snapshot(spec)  # for the portal's checks: accepted data as of this run
                _publish_artifacts(run_id, spec, status, steps, summary, error)
            except Exception:
                if not error:
                    raise  # on a failed run, the first error is the one to report
        report = steps.counts["report"]
        return {"run_id": run_id, "scored_run_id": scored, "reports": str(home.reports(year)),
                "timings": steps.timings, "rendered": report["rendered"], "documents": report["documents"],
                "render_pids": report["render_pids"], **summary}


@flow(name="revalidate_department", flow_run_name=lambda: f"{_year()}年度{flow_run.parameters['department']}重新审核",
      log_prints=True)
def revalidate_department(department: str, year: int | None = None, framework: str | None = None,
                          inbox: str | None = None) -> list[dict]:
    """After a steward's resubmission: pull the inbox and validate that department's new files only
    (year and framework default as in `annual_assessment`).

    Args:
        department: 重新报送的部门, 部门代码(如 lyj)或名称(如 市林业局)
        year: 报送年度, 如 2025; 留空则为上一年度
        framework: 指标体系代码(data/frameworks/ 下的文件名, 不含 .yaml); 留空则用默认体系
        inbox: 报送收件箱目录, 其中为 <年度>/<部门代码>/<文件>
    """
    from transforms.config.framework import load_departments
    from transforms.intake.receive import resolve_department

    dept = resolve_department(department, load_departments())
    if dept is None:
        raise ValueError(f"未知部门 {department!r} / unknown department")
    year, framework = year or default_year(), framework or default_framework()
    spec = RunSpec(Home.resolve(), framework, year, Path(inbox) if inbox else None)
    stages.check_configuration(spec)
    with _home_held(spec.home, f"revalidate {dept.code} {year}"):
        progress.log().info(f"{progress.label('ingest')}: {_counts_text(ingest(spec))}")
        outcomes = validate(spec, dept.code)
        progress.log().info(f"{progress.label('validate')}: 完成; {_counts_text(outcomes)}")
        stages.leave_snapshot(spec)
    create_table_artifact(key="revalidation", description=f"{dept.name} {year} 年度重新审核 / revalidation",
                          table=outcomes or [{"说明": "没有新的报送文件 / no new files"}])
    return outcomes


@flow(name="rerender", flow_run_name=_run_name("报告重新生成"), log_prints=True)
def rerender(year: int | None = None, framework: str | None = None, pdf: bool = True, workers: int | None = None,
             dask: str | None = None, force: bool = False) -> dict:
    """Re-render the year's documents from its latest succeeded run (after a template change, or
    with `force` after a font change); documents whose content is unchanged keep their files. Year and
    framework default as in `annual_assessment`.

    Args:
        year: 考核年度, 如 2025; 留空则为上一年度
        framework: 指标体系代码(data/frameworks/ 下的文件名, 不含 .yaml); 留空则用默认体系
        pdf: 是否同时生成 PDF 报告
        workers: 生成报告的进程数, 留空则用全部处理器核心
        dask: 在 Dask 集群上生成报告: "local" 或调度器地址 tcp://主机:8786
        force: 重新生成全部报告, 即使内容未变(更换字体后使用)
    """
    year, framework = year or default_year(), framework or default_framework()
    spec = RunSpec(Home.resolve(), framework, year, None)
    stages.check_configuration(spec)
    with _home_held(spec.home, f"rerender {year}"):
        scored = stages.latest_scored_run(spec)
        if scored is None:
            raise ValueError(f"{year} 年尚无成功的考核运行 / no succeeded run for {year}")
        progress.log().info(f"{progress.label('report')}: 开始, 依据运行 {scored}")
        out = render_reports(spec, scored, pdf, workers, dask, force)
        progress.log().info(f"{progress.label('report')}: 完成; {_counts_text(out)}")
    create_markdown_artifact(key="rerender-summary", markdown=(
        f"# {year} 年度报告重新生成 / re-render\n\n- 依据运行 / from run: `{scored}`\n"
        f"- 报告 / documents: {out['documents']}, 本次生成 / rendered: {out['rendered']}\n"
        f"- 渲染进程 / rendered by pids: {', '.join(map(str, out['render_pids'])) or '—'}"))
    _reports_artifact(spec)
    return out
