"""The stages of an annual assessment as plain functions (the Prefect flow only sequences them).

Each stage opens the warehouse, does its work in transactions and closes it, so a stage can be
re-run alone and a crash leaves the warehouse at the last committed step.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

import duckdb

from transforms.config import Framework, framework_path, load_departments, load_framework
from transforms.home import Home
from transforms.intake import load_units, parse_received, pull_inbox
from transforms.warehouse import connect, load_config, rows


class RunLocked(RuntimeError):
    """Another run holds the home; message in Chinese for the operator."""


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


@contextmanager
def warehouse(home: Home) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(home.warehouse)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def exclusive(home: Home) -> Iterator[None]:
    """One run per home at a time: the second stops at once with a clear message."""
    lock_path = home.root / ".run.lock"
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"另一个评价考核任务正在使用 {home.root}, 请等待其结束后再运行。"
                            f" / Another run holds {home.root}; wait for it to finish.") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def start_run(spec: RunSpec, parameters: dict, prefect_flow_run_id: str | None) -> str:
    run_id = f"{spec.year}-{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    fw_file = framework_path(spec.framework_id)
    with warehouse(spec.home) as con:
        load_config(con, spec.framework, fw_file)
        # callers hold `exclusive`, so a run still marked running was killed: say so instead of leaving it open
        con.execute("UPDATE run SET status = 'interrupted' WHERE status = 'running'")
        con.execute("INSERT INTO run (run_id, year, framework_id, parameters, started_at, status, prefect_flow_run_id)"
                    " VALUES (?, ?, ?, ?, now(), 'running', ?)",
                    [run_id, spec.year, spec.framework_id, json.dumps(parameters, ensure_ascii=False),
                     prefect_flow_run_id])
    return run_id


def ingest(spec: RunSpec) -> dict:
    """Pull the inbox (archive + version every new file) and parse what was received."""
    fw = spec.framework
    with warehouse(spec.home) as con:
        received = pull_inbox(con, spec.home, spec.inbox, load_departments()) if spec.inbox else []
        parsed = parse_received(con, spec.home, fw, load_units())
    return {"files_seen": len(received), "new_files": sum(not r.duplicate for r in received),
            "parsed": len(parsed)}


def validate(spec: RunSpec, department: str | None = None) -> list[dict]:
    with warehouse(spec.home) as con:
        pending = rows(con, "SELECT count(*) FROM submission WHERE status = 'received' AND kind IS NOT NULL")[0][0]
        if not pending:
            return []  # nothing new: skip importing Great Expectations (~2 s)
        from expectations.validate import validate_pending

        return [o.__dict__ for o in validate_pending(con, spec.home, spec.framework, department)]


def fingerprint(spec: RunSpec, run_id: str) -> dict:
    """Key the computing stages: an earlier succeeded run with the same fingerprint is reused."""
    from transforms.fingerprint import inputs_fingerprint

    with warehouse(spec.home) as con:
        fp = inputs_fingerprint(con, framework_path(spec.framework_id), spec.year)
        prior = rows(con, """SELECT scored_run_id FROM run WHERE fingerprint = ? AND year = ? AND framework_id = ?
                             AND status = 'succeeded' AND scored_run_id IS NOT NULL
                             ORDER BY finished_at DESC LIMIT 1""", [fp, spec.year, spec.framework_id])
        scored_run_id = prior[0][0] if prior else run_id
        con.execute("UPDATE run SET fingerprint = ?, scored_run_id = ? WHERE run_id = ?", [fp, scored_run_id, run_id])
    return {"fingerprint": fp, "scored_run_id": scored_run_id, "reused": bool(prior)}


def score(spec: RunSpec, run_id: str) -> dict:
    from transforms.scoring import score_year
    from transforms.uncertainty import rank_uncertainty

    with warehouse(spec.home) as con:
        n = score_year(con, spec.framework, spec.year, run_id)
        rank_uncertainty(con, spec.framework, spec.year, run_id)
    return {"regions": n}


def veto(spec: RunSpec, run_id: str) -> dict:
    from transforms.veto import apply_vetoes

    with warehouse(spec.home) as con:
        hits = apply_vetoes(con, spec.framework, spec.year, run_id)
        vetoed = rows(con, "SELECT count(*) FROM result WHERE run_id = ? AND year = ? AND vetoed",
                      [run_id, spec.year])[0][0]
    return {"hits": hits, "vetoed_regions": vetoed}


def attribute(spec: RunSpec, run_id: str) -> dict:
    from transforms.attribution import attribute_results

    with warehouse(spec.home) as con:
        return {"cadre_results": attribute_results(con, spec.framework, spec.year, run_id)}


def report(spec: RunSpec, run_id: str, pdf: bool = True) -> dict:
    from report_templates.publish import publish
    from transforms.report_context import build_contexts

    with warehouse(spec.home) as con:
        docs = build_contexts(con, spec.framework, spec.year, run_id)
    out_dir = spec.home.reports(spec.year)
    with report_output(out_dir):
        manifest, rendered = publish(docs, out_dir, run_id, spec.year, spec.framework_id, pdf=pdf)
    return {"documents": len(docs), "rendered": rendered, "manifest": str(manifest)}


@contextmanager
def report_output(out_dir: Path) -> Iterator[None]:
    """Around writing a year's reports (under `exclusive`): files not world-readable (reports name
    cadres; README says how to publish them), temporaries of a killed run removed first, and a
    failed write (disk full, read-only, no permission) turned into a Chinese message."""
    old_umask = os.umask(0o027)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for tmp in [*out_dir.rglob(".*.tmp"), *out_dir.rglob(".*.tmp-*")]:  # renderer's and manifest's
            tmp.unlink(missing_ok=True)
        yield
    except OSError as exc:
        reason = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有写入权限",
                  errno.EPERM: "没有写入权限", errno.EROFS: "目录所在磁盘为只读"}.get(exc.errno, exc.strerror or str(exc))
        raise ReportOutputError(
            f"无法写入报告目录 {out_dir}: {reason}({exc.filename or out_dir})。已有的报告保持原样, 数据仓库中的"
            "数据和评分未受影响; 请释放磁盘空间或检查目录权限后运行 `ecoassess rerender` 重新生成报告。"
            f" / cannot write reports to {out_dir}: {exc.strerror or exc}") from exc
    finally:
        os.umask(old_umask)


def latest_scored_run(spec: RunSpec) -> str | None:
    with warehouse(spec.home) as con:
        found = rows(con, """SELECT scored_run_id FROM run WHERE year = ? AND framework_id = ? AND status = 'succeeded'
                             ORDER BY finished_at DESC LIMIT 1""", [spec.year, spec.framework_id])
    return found[0][0] if found else None


def finish_run(spec: RunSpec, run_id: str, status: str, timings: dict, summary: dict) -> None:
    with warehouse(spec.home) as con:
        con.execute("UPDATE run SET finished_at = now(), status = ?, stage_timings = ?, summary = ? WHERE run_id = ?",
                    [status, json.dumps(timings), json.dumps(summary, ensure_ascii=False, default=str), run_id])


def run_summary(spec: RunSpec, run_id: str) -> dict:
    """Counts for the operator and the Prefect artifacts: grades, vetoes, validation per department."""
    with warehouse(spec.home) as con:
        grades = rows(con, "SELECT grade, count(*) FROM result WHERE run_id = ? AND year = ? GROUP BY grade "
                           "ORDER BY grade", [run_id, spec.year])
        vetoed = rows(con, """SELECT g.name, list(DISTINCT h.rule_name) FROM veto_hit h JOIN region g USING (region_code)
                              WHERE h.run_id = ? GROUP BY g.name ORDER BY g.name""", [run_id])
        validation = rows(con, """SELECT coalesce(d.name, s.department), s.kind, s.file_name, s.version, s.status,
                                         s.message FROM submission s LEFT JOIN department d ON d.code = s.department
                                  WHERE s.year = ? ORDER BY s.department, s.kind, s.version""", [spec.year])
        ranking = rows(con, """SELECT r.rank, g.name, round(r.gdi, 2), round(r.assessment_score, 2), r.grade
                               FROM result r JOIN region g USING (region_code) WHERE r.run_id = ?
                               AND r.year = ? ORDER BY r.rank""", [run_id, spec.year])
    return {"grades": dict(grades), "vetoed": {n: list(r) for n, r in vetoed},
            "validation": [dict(zip(("部门", "类型", "文件", "版本", "状态", "说明"), v)) for v in validation],
            "ranking": [dict(zip(("排名", "县(市、区)", "绿色发展指数", "考核得分", "等级"), r)) for r in ranking]}
