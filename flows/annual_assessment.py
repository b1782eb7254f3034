"""The annual assessment as a Prefect flow: ingest → validate → score → veto → attribute → report.

Thin by design: every task calls one plain function of `transforms.pipeline`. Runs without a
Prefect server (a temporary local one is started); with PREFECT_API_URL set, runs and their
artifacts show in the Prefect UI.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from transforms import pipeline
from transforms.home import Home
from transforms.pipeline import RunSpec

DEMO_INBOX = Path(__file__).resolve().parent.parent / "data" / "demo" / "inbox"


@task(name="ingest", retries=2, retry_delay_seconds=2)  # file system hiccups on the share are transient
def ingest(spec: RunSpec) -> dict:
    return pipeline.ingest(spec)


@task(name="validate")  # bad data does not get better by retrying
def validate(spec: RunSpec, department: str | None = None) -> list[dict]:
    return pipeline.validate(spec, department)


@task(name="fingerprint")
def fingerprint(spec: RunSpec, run_id: str) -> dict:
    return pipeline.fingerprint(spec, run_id)


@task(name="score")
def score(spec: RunSpec, run_id: str) -> dict:
    return pipeline.score(spec, run_id)


@task(name="veto")
def veto(spec: RunSpec, run_id: str) -> dict:
    return pipeline.veto(spec, run_id)


@task(name="attribute")
def attribute(spec: RunSpec, run_id: str) -> dict:
    return pipeline.attribute(spec, run_id)


@task(name="report", retries=1, retry_delay_seconds=2)
def report(spec: RunSpec, run_id: str, pdf: bool) -> dict:
    return pipeline.report(spec, run_id, pdf)


def _publish_artifacts(summary: dict, counts: dict) -> None:
    lines = [f"# 生态文明建设评价考核运行摘要 / run summary", "",
             f"- 新收文件 / new files: {counts['ingest']['new_files']}",
             f"- 审核 / validated: {len(counts['validate'])} 份, 退回 / rejected: "
             f"{sum(o['status'] == 'rejected' for o in counts['validate'])}",
             f"- 等级分布 / grades: " + ", ".join(f"{g} {n}" for g, n in summary["grades"].items()),
             f"- 一票否决 / vetoed: " + ("; ".join(f"{n}({'、'.join(r)})" for n, r in summary["vetoed"].items())
                                          or "无"),
             f"- 报告 / documents: {counts['report']['documents']}, 本次重新生成 / rendered: "
             f"{counts['report']['rendered']}", "", "## 数据审核(按部门) / validation by department", ""]
    lines += [f"- {d['部门']}: {d['结论']}; 采用 {d['采用版本']}, 警告 {d['采用版本警告']}, 退回 {d['退回']} 份"
              for d in summary["validation_by_department"]]
    create_markdown_artifact(key="assessment-summary", markdown="\n".join(lines))
    create_table_artifact(key="validation-by-department", table=summary["validation_by_department"])
    create_table_artifact(key="validation-submissions", table=summary["validation"])
    create_table_artifact(key="ranking", table=summary["ranking"])


@flow(name="annual_assessment", log_prints=True)
def annual_assessment(year: int | None = None, framework: str = "ganzhou_2024", inbox: str | None = None,
                      pdf: bool = True) -> dict:
    """Run the year's assessment end to end on the home in $ECOASSESS_HOME (default `var/`).

    Without a year (the scheduled deployment), it assesses the previous calendar year.
    """
    year = year or date.today().year - 1
    home = Home.resolve()
    spec = RunSpec(home, framework, year, Path(inbox) if inbox else None)
    with pipeline.exclusive(home):
        run_id = pipeline.start_run(spec, {"year": year, "framework": framework, "inbox": inbox, "pdf": pdf},
                                    flow_run.get_id())
        timings: dict[str, float] = {}
        counts: dict[str, object] = {}
        status = "failed"
        scored = run_id

        def stage(name: str, call) -> None:
            t0 = time.perf_counter()
            counts[name] = call()
            timings[name] = round(time.perf_counter() - t0, 3)

        try:
            stage("ingest", lambda: ingest(spec))
            stage("validate", lambda: validate(spec))
            stage("fingerprint", lambda: fingerprint(spec, run_id))
            scored = counts["fingerprint"]["scored_run_id"]
            if not counts["fingerprint"]["reused"]:  # same inputs and code as an earlier run: reuse its numbers
                stage("score", lambda: score(spec, run_id))
                stage("veto", lambda: veto(spec, run_id))
                stage("attribute", lambda: attribute(spec, run_id))
            stage("report", lambda: report(spec, scored, pdf))
            status = "succeeded"
        finally:
            summary = pipeline.run_summary(spec, scored) if status == "succeeded" else {}
            pipeline.finish_run(spec, run_id, status, timings, {"counts": counts, **summary})
        _publish_artifacts(summary, counts)
        return {"run_id": run_id, "scored_run_id": scored, "reports": str(home.reports(year)), "timings": timings,
                "rendered": counts["report"]["rendered"], **summary}


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
    with pipeline.exclusive(spec.home):
        ingest(spec)
        outcomes = validate(spec, dept.code)
    create_table_artifact(key="revalidation", table=outcomes or [{"说明": "没有新的报送文件 / no new files"}])
    return outcomes


@flow(name="rerender", log_prints=True)
def rerender(year: int, framework: str = "ganzhou_2024", pdf: bool = True) -> dict:
    """Re-render the year's documents from its latest succeeded run (e.g. after a template change);
    documents whose content is unchanged keep their files."""
    spec = RunSpec(Home.resolve(), framework, year, None)
    with pipeline.exclusive(spec.home):
        scored = pipeline.latest_scored_run(spec)
        if scored is None:
            raise ValueError(f"{year} 年尚无成功的考核运行 / no succeeded run for {year}")
        return report(spec, scored, pdf)
