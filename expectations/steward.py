"""The data steward's answer: what failed, where, what was expected and how to fix it (Chinese)."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from pathlib import Path

import duckdb

from transforms.config.framework import Framework
from transforms.runtime.home import Home, private_dir, write_atomically
from transforms.runtime.sql import statement
from transforms.runtime.warehouse import frame, rows

SEVERITY = {"error": "错误(退回)", "warning": "警告(受理)"}


def steward_report(con: duckdb.DuckDBPyConnection, submission_id: int, fw: Framework | None = None) -> dict:
    """One submission's validation outcome as a JSON-ready dict, failures grouped by rule
    (with the framework, supporting items are named too)."""
    (department, dept_name, year, kind, file_name, version, sha256, encoding, status, received_at, sheet,
     header_row) = rows(con, statement("steward/submission"), [submission_id])[0]
    names = dict(rows(con, "SELECT code, name FROM indicator")) | {i.code: i.name for i in (fw.reported_items if fw else [])}
    failed = frame(con, statement("steward/failed_rules"), [submission_id])
    rules = []
    for r in failed.iter_rows(named=True):
        items = json.loads(r["failures"] or "[]")
        for item in items:
            item["indicator_name"] = names.get(item.get("indicator"))
        rules.append({"rule_id": r["rule_id"], "severity": r["severity"], "severity_text": SEVERITY[r["severity"]],
                      "column": r["column_name"], "indicator_name": names.get(r["column_name"]), "rule": r["message"],
                      "expected": r["expected"], "fix": r["fix"], "count": r["unexpected_count"], "rows": items})
    return {"submission_id": submission_id, "department": department, "department_name": dept_name, "year": year,
            "kind": kind, "file_name": file_name, "version": version, "sha256": sha256, "encoding": encoding,
            "sheet": sheet, "header_row": header_row, "received_at": str(received_at), "status": status,
            "errors": sum(r["severity"] == "error" for r in rules),
            "warnings": sum(r["severity"] == "warning" for r in rules), "rules": rules,
            "annotated_workbook": None, "data_docs": None}  # set by validation; an unreadable file has neither


def write_steward_reports(report: dict, out_dir: Path, framework_name: str, jurisdiction_name: str = "",
                          renderer=None) -> None:
    """JSON for machines and HTML (same look as the evaluation reports) for the steward."""
    private_dir(out_dir)  # 0750/0640, like every report: rosters name cadres
    write_atomically(out_dir / "steward.json", json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8"))
    doc = {"kind": "steward", "title": f"报送数据审核报告 — {report['file_name']}", "jurisdiction_name": jurisdiction_name,
           "year": report["year"], "framework_name": framework_name,
           "generated_at": datetime.now().strftime("%Y-%m-%d %H:%M"), "synthetic": False, "synthetic_note": "",
           "run_id": f"submission {report['submission_id']}"}
    (renderer or _html_renderer()).write("steward", {"doc": doc, "report": report}, out_dir / "steward.html")


def jurisdiction_name(con: duckdb.DuckDBPyConnection, fw: Framework) -> str:
    found = rows(con, "SELECT name FROM region WHERE region_code = ?", [fw.jurisdiction])
    return found[0][0] if found else ""


def report_unreadable(con: duckdb.DuckDBPyConnection, home: Home, fw: Framework, submission_ids: list[int]) -> list[dict]:
    """The steward's HTML/JSON for files rejected before validation (not a table, an encoding
    beyond repair, over a size limit), in `validation/<id>/` like every other file's: a run and
    `ecoassess validate` give the same answer. Written once per file (a file that has its report
    is skipped, so an unchanged re-run writes nothing); returns one outcome per report written,
    shaped like `expectations.validate.Outcome`."""
    written = []
    for sid in submission_ids:
        out = home.validation_root / str(sid)
        if (out / "steward.json").exists():
            continue
        report = steward_report(con, sid, fw)
        write_steward_reports(report, out, fw.name, jurisdiction_name(con, fw))
        written.append({"submission_id": sid, "department": report["department"], "file_name": report["file_name"],
                        "version": report["version"], "status": report["status"], "errors": report["errors"],
                        "warnings": report["warnings"]})
    return written


@functools.cache
def _html_renderer():
    """One HTML renderer for every steward report of the process (templates compiled once, ~40 ms)."""
    from report_templates.render import Renderer

    return Renderer(pdf=False)


def steward_text(report: dict) -> str:
    """Plain-text version for the terminal: one line per failing cell, naming file, row, county, indicator."""
    verdict = "通过" if report["status"] == "accepted" else "未通过(退回)"
    lines = [f"文件: {report['file_name']}  部门: {report['department_name'] or report['department']}  "
             f"年度: {report['year']}  版本: {report['version'] or '-'}  编码: {report['encoding'] or '-'}"
             + (f"  工作表: {report['sheet']}" if report.get("sheet") else "")
             + (f"  表头在第 {report['header_row']} 行" if report.get("header_row") else ""),
             f"审核结果: {verdict}; 错误 {report['errors']} 项, 警告 {report['warnings']} 项"]
    if report.get("annotated_workbook"):
        lines.append(f"标注副本: {report['annotated_workbook']} (问题单元格已标色并附批注; 改正后可直接重新报送该副本)")
    for rule in report["rules"]:
        lines.append(f"[{rule['severity_text']}] {rule['rule']}  (规则 {rule['rule_id']})")
        if rule["expected"]:
            lines.append(f"    期望: {rule['expected']}")
        if rule["fix"]:
            lines.append(f"    修改方法: {rule['fix']}")
        for item in rule["rows"][:50]:
            where = [f"第 {item['row']} 行" if item.get("row") else None,
                     item.get("region_name") or item.get("region_code"),
                     item.get("indicator_name") or item.get("indicator"),
                     f"填报值 “{item['value']}”" if item.get("value") not in (None, "") else
                     (None if item.get("note") else "未填写"),
                     item.get("note")]
            lines.append("    - " + ", ".join(w for w in where if w))
        if len(rule["rows"]) > 50:
            lines.append(f"    …… 另有 {len(rule['rows']) - 50} 处")
    return "\n".join(lines)
