"""The annual assessment as Prefect flows: ingest → validate → fingerprint → score → veto →
attribute → report, plus `revalidate_department` and `rerender`.

Thin by design: every task is a plain function of `flows.stages`; the report stage is the subflow of
`flows.report_subflow`. Runs without a Prefect server (Prefect starts a temporary local one);
with PREFECT_API_URL set, runs and their artifacts show in that server's UI. The deployments are in
`prefect.yaml`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from flows import progress, stages
from flows.report_subflow import render_reports
from flows.stages import RunSpec
from flows.task_policy import ON_FILES, ONCE
from transforms.config.defaults import default_framework, default_year
from transforms.runtime.home import Home
from transforms.runtime.lock import exclusive

ingest = task(stages.ingest, name="ingest", **ON_FILES)
validate = task(stages.validate, name="validate", **ONCE)
fingerprint = task(stages.fingerprint, name="fingerprint", **ONCE)
score = task(stages.score, name="score", **ONCE)
veto = task(stages.veto, name="veto", **ONCE)
attribute = task(stages.attribute, name="attribute", **ONCE)


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


@flow(name="annual_assessment", log_prints=True)
def annual_assessment(year: int | None = None, framework: str | None = None, inbox: str | None = None,
                      pdf: bool = True, workers: int | None = None, dask: str | None = None,
                      force_render: bool = False) -> dict:
    """Run the year's assessment end to end on the home in $ECOASSESS_HOME (default `var/`).

    Without a year (the scheduled deployment) it assesses the year before today in Asia/Shanghai;
    without a framework, the one of data/defaults.yaml (both resolved when the flow runs). `workers`:
    rendering processes (default: all cores); `dask`: "local" for a Dask cluster of this run, or a
    scheduler address; `force_render`: re-render every document even if its content is unchanged.
    """
    year, framework = year or default_year(), framework or default_framework()
    home = Home.resolve()
    spec = RunSpec(home, framework, year, Path(inbox) if inbox else None)
    parameters = {"year": year, "framework": framework, "inbox": inbox, "pdf": pdf, "workers": workers,
                  "dask": dask, "force_render": force_render}
    with exclusive(home, what=f"annual_assessment {year}"):
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
                _publish_artifacts(run_id, spec, status, steps, summary, error)
            except Exception:
                if not error:
                    raise  # on a failed run, the first error is the one to report
        report = steps.counts["report"]
        return {"run_id": run_id, "scored_run_id": scored, "reports": str(home.reports(year)),
                "timings": steps.timings, "rendered": report["rendered"], "documents": report["documents"],
                "render_pids": report["render_pids"], **summary}


@flow(name="revalidate_department", log_prints=True)
def revalidate_department(department: str, year: int | None = None, framework: str | None = None,
                          inbox: str | None = None) -> list[dict]:
    """After a steward's resubmission: pull the inbox and validate that department's new files only
    (year and framework default as in `annual_assessment`)."""
    from transforms.config.framework import load_departments
    from transforms.intake.receive import resolve_department

    dept = resolve_department(department, load_departments())
    if dept is None:
        raise ValueError(f"未知部门 {department!r} / unknown department")
    year, framework = year or default_year(), framework or default_framework()
    spec = RunSpec(Home.resolve(), framework, year, Path(inbox) if inbox else None)
    with exclusive(spec.home, what=f"revalidate {dept.code} {year}"):
        ingest(spec)
        outcomes = validate(spec, dept.code)
    create_table_artifact(key="revalidation", description=f"{dept.name} {year} 年度重新审核 / revalidation",
                          table=outcomes or [{"说明": "没有新的报送文件 / no new files"}])
    return outcomes


@flow(name="rerender", log_prints=True)
def rerender(year: int | None = None, framework: str | None = None, pdf: bool = True, workers: int | None = None,
             dask: str | None = None, force: bool = False) -> dict:
    """Re-render the year's documents from its latest succeeded run (after a template change, or
    with `force` after a font change); documents whose content is unchanged keep their files. Year and
    framework default as in `annual_assessment`."""
    year, framework = year or default_year(), framework or default_framework()
    spec = RunSpec(Home.resolve(), framework, year, None)
    with exclusive(spec.home, what=f"rerender {year}"):
        scored = stages.latest_scored_run(spec)
        if scored is None:
            raise ValueError(f"{year} 年尚无成功的考核运行 / no succeeded run for {year}")
        out = render_reports(spec, scored, pdf, workers, dask, force)
    create_markdown_artifact(key="rerender-summary", markdown=(
        f"# {year} 年度报告重新生成 / re-render\n\n- 依据运行 / from run: `{scored}`\n"
        f"- 报告 / documents: {out['documents']}, 本次生成 / rendered: {out['rendered']}\n"
        f"- 渲染进程 / rendered by pids: {', '.join(map(str, out['render_pids'])) or '—'}"))
    return out
