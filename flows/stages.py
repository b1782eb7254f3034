"""The stages of an annual assessment as plain functions (the Prefect flow only sequences them).

Each stage opens the warehouse, does its work in transactions and closes it, so a stage can be
re-run alone and a crash leaves the warehouse at the last committed step.
"""

from __future__ import annotations

import errno
import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from transforms.config.framework import Framework, framework_path, load_departments, load_framework
from transforms.intake.evidence import record_evidence
from transforms.intake.receive import load_units, parse_received, pull_inbox
from transforms.reporting.ranking import interval_text, ranking, veto_text
from transforms.runtime.home import CHUNK, Home, private_dir, remove_temporaries, write_atomically
from transforms.runtime.sql import statement
from transforms.runtime.warehouse import frame, load_config, open_warehouse, rows


class ReportOutputError(RuntimeError):
    """Reports could not be written (disk full, folder not writable); message in Chinese."""


@dataclass(frozen=True)
class RunSpec:
    home: Home
    framework_id: str
    year: int
    inbox: Path | None

    @property
    def framework(self) -> Framework:
        return load_framework(framework_path(self.framework_id))


def check_configuration(spec: RunSpec) -> None:
    """What the CLI checks before a run, for runs started any way (a deployment on a worker): the
    framework loads and the inbox, if given, is a folder. Raises `ConfigError` with a Chinese message
    (no task retries: retrying cannot help)."""
    from transforms.config.framework import ConfigError

    spec.framework  # noqa: B018  (loads and validates data/frameworks/<id>.yaml; ConfigError names file and entry)
    if spec.inbox is not None and not spec.inbox.is_dir():
        raise ConfigError(f"收件箱不存在或不是目录: {spec.inbox}。请检查部署参数 inbox 或环境变量 ECOASSESS_INBOX"
                          f"(应为 <年度>/<部门代码>/<文件> 的上级目录)。 / inbox not found: {spec.inbox}")


def start_run(spec: RunSpec, parameters: dict, prefect_flow_run_id: str | None) -> str:
    """Record a new run (status `running`). Called under the run lock, so a run still marked
    `running` was killed before it could finish: it is marked `interrupted`."""
    run_id = f"{spec.year}-{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    fw_file = framework_path(spec.framework_id)
    with open_warehouse(spec.home) as con:
        load_config(con, spec.framework, fw_file)
        con.execute("UPDATE run SET status = 'interrupted' WHERE status = 'running'")
        con.execute(statement("runs/start"), [run_id, spec.year, spec.framework_id,
                                              json.dumps(parameters, ensure_ascii=False), prefect_flow_run_id])
    return run_id


def ingest(spec: RunSpec) -> dict:
    """Pull the inbox (archive + version every new file) and parse what was received."""
    fw = spec.framework
    remove_temporaries(spec.home.archive)  # a copy half-written by a killed run: the file is received again
    with open_warehouse(spec.home) as con:
        departments = load_departments()
        received = pull_inbox(con, spec.home, spec.inbox, departments) if spec.inbox else []
        evidence = record_evidence(con, spec.inbox, departments) if spec.inbox else 0
        parsed = parse_received(con, spec.home, fw, load_units())
    return {"files_seen": len(received), "new_files": sum(not r.duplicate for r in received),
            "parsed": len(parsed), "new_evidence": evidence}


def validate(spec: RunSpec, department: str | None = None) -> list[dict]:
    """Validate the parsed files not yet decided; files that could not be read at all get the
    steward's report too (`report_unreadable`). One outcome per file decided now; progress per file
    (第 i/n 个文件, with the department) on the terminal and in the run's log."""
    from expectations.steward import report_unreadable
    from flows import progress

    def on_file(i: int, n: int, dept_name: str, file_name: str) -> None:
        if i == 1:
            progress.begin("validate", n)
        else:
            progress.advance("validate")
        progress.note("validate", f"第 {i}/{n} 个文件, {dept_name}《{file_name}》")

    fw = spec.framework
    with open_warehouse(spec.home) as con:
        unreadable = [sid for (sid,) in rows(con, statement("validation/unreadable_submissions"),
                                             [department, department])]
        outcomes = report_unreadable(con, spec.home, fw, unreadable)
        pending = rows(con, "SELECT count(*) FROM submission WHERE status = 'received' AND kind IS NOT NULL")[0][0]
        if pending:  # else skip importing Great Expectations (~2 s)
            from expectations.validate import validate_pending

            outcomes += [o.__dict__ for o in validate_pending(con, spec.home, fw, department, on_file)]
            progress.advance("validate")
        from expectations.confirm import confirm_from_inbox

        confirmed = set(confirm_from_inbox(con, spec.home, fw))  # held files sent anyway through the portal
        for o in outcomes:
            o["status"] = "accepted" if o["submission_id"] in confirmed else o["status"]
    return sorted(outcomes, key=lambda o: o["submission_id"])


def fingerprint(spec: RunSpec, run_id: str) -> dict:
    """Key the computing stages: an earlier succeeded run with the same fingerprint is reused."""
    from transforms.runtime.fingerprint import inputs_fingerprints

    with open_warehouse(spec.home) as con:
        parts = inputs_fingerprints(con, framework_path(spec.framework_id), spec.year)
        fp = parts["inputs"]
        prior = rows(con, statement("runs/reusable_run"), [fp, spec.year, spec.framework_id])
        scored_run_id = prior[0][0] if prior else run_id
        con.execute("UPDATE run SET fingerprint = ?, fingerprints = ?, scored_run_id = ? WHERE run_id = ?",
                    [fp, json.dumps(parts), scored_run_id, run_id])
    return {"fingerprint": fp, "scored_run_id": scored_run_id, "reused": bool(prior)}


def score(spec: RunSpec, run_id: str) -> dict:
    from transforms.scoring.coherence import record_coherence
    from transforms.scoring.score import score_year
    from transforms.scoring.uncertainty import rank_uncertainty

    with open_warehouse(spec.home) as con:
        n = score_year(con, spec.framework, spec.year, run_id)
        rank_uncertainty(con, spec.framework, spec.year, run_id)
        described = record_coherence(con, spec.framework, spec.year, run_id)
    return {"regions": n, "coherence_indicators": described}


def veto(spec: RunSpec, run_id: str) -> dict:
    from transforms.scoring.veto import apply_vetoes

    with open_warehouse(spec.home) as con:
        hits = apply_vetoes(con, spec.framework, spec.year, run_id)
        vetoed = rows(con, "SELECT count(*) FROM result WHERE run_id = ? AND year = ? AND vetoed",
                      [run_id, spec.year])[0][0]
    return {"hits": hits, "vetoed_regions": vetoed}


def attribute(spec: RunSpec, run_id: str) -> dict:
    from transforms.scoring.attribution import attribute_results

    with open_warehouse(spec.home) as con:
        return {"cadre_results": attribute_results(con, spec.framework, spec.year, run_id)}


def plan_report(spec: RunSpec, run_id: str, pdf: bool = True, force: bool = False):
    """Build every document's context once from the warehouse and plan a job per document
    (`flows.publish.plan`); rendering the plan needs no warehouse."""
    from flows.publish import plan
    from transforms.reporting.context import build_contexts

    with open_warehouse(spec.home) as con:
        docs = build_contexts(con, spec.framework, spec.year, run_id)
    out_dir = spec.home.reports(spec.year)
    with report_output(out_dir, clean=True):
        return plan(docs, out_dir, run_id, spec.year, spec.framework_id, pdf=pdf, force=force)


def finish_report(report_plan, renders: list[dict]) -> dict:
    """Write the index page and the manifest last (atomically); the counts of the report stage."""
    from flows.publish import write_manifest

    with report_output(report_plan.out_dir, clean=False):  # the rendered files' temporaries are gone already
        manifest = write_manifest(report_plan, renders)
    return {"documents": len(report_plan.manifest["reports"]), "rendered": sum(r["rendered"] for r in renders),
            "render_pids": sorted({r["pid"] for r in renders}), "manifest": str(manifest)}


@contextmanager
def report_output(out_dir: Path, clean: bool = True) -> Iterator[None]:
    """Around writing a year's reports (under `exclusive`): files not world-readable (reports name
    cadres; README says how to publish them), temporaries of a killed run removed first (`clean`),
    and a failed write (disk full, read-only, no permission) turned into a Chinese message."""
    old_umask = os.umask(0o027)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if clean:  # `write_atomically`'s, and `.manifest.json.tmp-<pid>` of runs before it wrote the manifest
            remove_temporaries(out_dir)
            for tmp in out_dir.rglob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)
        yield
    except OSError as exc:
        raise report_output_error(out_dir, exc) from exc
    finally:
        os.umask(old_umask)


def report_output_error(out_dir: Path, exc: OSError) -> "ReportOutputError":
    """The operator's message for a report folder that cannot be written (disk full, read-only)."""
    reason = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有写入权限",
              errno.EPERM: "没有写入权限", errno.EROFS: "目录所在磁盘为只读"}.get(exc.errno, exc.strerror or str(exc))
    return ReportOutputError(
        f"无法写入报告目录 {out_dir}: {reason}({exc.filename or out_dir})。已有的报告保持原样, 数据仓库中的"
        "数据和评分未受影响; 请释放磁盘空间或检查目录权限后运行 `ecoassess rerender` 重新生成报告。"
        f" / cannot write reports to {out_dir}: {exc.strerror or exc}")


def latest_scored_run(spec: RunSpec) -> str | None:
    with open_warehouse(spec.home) as con:
        found = rows(con, statement("runs/latest_scored_run"), [spec.year, spec.framework_id])
    return found[0][0] if found else None


def finish_run(spec: RunSpec, run_id: str, status: str, timings: dict, counts: dict, summary: dict,
               error: str | None = None) -> None:
    """Close the run's history row: outcome, per-stage timings and counts, summary, error if any."""
    with open_warehouse(spec.home) as con:
        con.execute(statement("runs/finish"),
                    [status, json.dumps(timings), json.dumps(counts, ensure_ascii=False, default=str),
                     json.dumps(summary, ensure_ascii=False, default=str), error, run_id])


def leave_snapshot(spec: RunSpec) -> Path:
    """Copy the warehouse, checkpointed, to `home.snapshot` (atomically: a reader sees the old copy or
    the new one), at the end of every run. The submission portal checks uploads against it (last
    year's accepted values) and so never opens the live warehouse, never waits for a run nor holds
    one up."""
    with open_warehouse(spec.home) as con:
        con.execute("CHECKPOINT")  # everything in the main file: the copy needs no WAL
    remove_temporaries(private_dir(spec.home.snapshot.parent))  # a copy half-written by a killed run
    with open(spec.home.warehouse, "rb") as src:
        write_atomically(spec.home.snapshot, iter(lambda: src.read(CHUNK), b""))
    return spec.home.snapshot


def run_summary(spec: RunSpec, run_id: str | None) -> dict:
    """Counts for the operator and the Prefect artifacts: grades, vetoes, validation per department
    and per file, rejected files, ranking (grades and ranking empty without a scored run)."""
    with open_warehouse(spec.home) as con:
        grades = rows(con, statement("summary/grades"), [run_id, spec.year])
        vetoed = rows(con, statement("summary/vetoed"), [run_id])
        validation = rows(con, statement("summary/validation_files"), [spec.year])
        by_department = frame(con, statement("summary/by_department"), [spec.year, spec.year])
        ranked = ranking(con, run_id, spec.year).to_dicts() if run_id else []
    return {"grades": dict(grades), "vetoed": {n: list(r) for n, r in vetoed},
            "validation": [dict(zip(("部门", "类型", "文件", "版本", "状态", "说明"), v)) for v in validation],
            "validation_by_department": by_department.to_dicts(),
            "ranking": [{"排名": r["rank"], "县(市、区)": r["county"], "指数": r["index"], "排名区间": interval_text(r),
                         "考核得分": r["assessment_score"], "等级": r["grade"], "一票否决": veto_text(r)}
                        for r in ranked]}
