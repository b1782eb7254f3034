"""Office (考核办) and reviewer pages, and the public bulletin.

The office sees every department × kind with its status and last change (overdue cells marked),
exports the 督办 list, returns a file with a reason, starts and follows the year's run, publishes
the bulletin and reads the audit log. Reviewers read the year's reports (cadre reports are personal
data: behind login); the bulletin alone is public, and only once the office has published it.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from flows.portal import runs
from flows.portal.auth import check_csrf, client_address, require
from flows.portal.submissions import Portal, cell_status, return_upload, uploads

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def matrix(portal: Portal, year: int) -> list[dict]:
    """One row per department that owes anything this year: its cells by kind."""
    rows = []
    for code, dept in portal.departments.items():
        cells = {c["kind"]: c for c in cell_status(portal, year, code)}
        if cells:
            rows.append({"code": code, "name": dept.name, "cells": cells})
    return rows


def overdue_rows(portal: Portal, year: int) -> list[dict]:
    """The 督办 list: every cell without a file in use, latest deadline first, overdue ones marked."""
    out = []
    for row in matrix(portal, year):
        for cell in row["cells"].values():
            if cell["in_use_id"] is None:
                out.append({"department": row["name"], **cell})
    return sorted(out, key=lambda c: (not c["overdue"], c["deadline"], c["department"]))


def overdue_workbook(portal: Portal, year: int) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    from transforms.intake.safe_cells import append_row

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"{year}年督办清单"
    append_row(ws, [f"{portal.fw.name} {year} 年度报送督办清单(生成于 {date.today().isoformat()})"])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, ["报送部门", "报送类型", "当前状态", "截止日期", "剩余天数", "是否逾期", "最近变动"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for c in overdue_rows(portal, year):
        append_row(ws, [c["department"], c["label"], c["status"], c["deadline"], c["days_left"],
                        "已逾期" if c["overdue"] else "未逾期", c["last_change"] or "—"])
    for col, width in zip("ABCDEFG", (18, 18, 10, 12, 10, 10, 20)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def published(portal: Portal) -> set[int]:
    return set(json.loads(portal.db.setting("published_bulletins") or "[]"))


def manifest(portal: Portal, year: int) -> dict | None:
    path = portal.home.reports(year) / "manifest.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def report_file(portal: Portal, year: int, relative: str) -> Path:
    """A file of the year's reports named by a path inside the folder: never outside it, no link."""
    root = portal.home.reports(year).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file() or (root / relative).is_symlink():
        raise HTTPException(404, "没有这个报告 / no such report")
    return path


def routes(app: FastAPI, portal: Portal, page, year_of) -> None:
    @app.get("/office")
    def office_page(request: Request):
        require(request, "office")
        year = year_of(request)
        kinds = [(k, v.label) for k, v in portal.config.kinds.items()]
        return page(request, "office.html.j2", year=year, matrix=matrix(portal, year), kinds=kinds,
                    jobs=runs.jobs(portal, 5), published=year in published(portal),
                    has_reports=manifest(portal, year) is not None)

    @app.get("/office/department/{code}")
    def office_department(request: Request, code: str):
        require(request, "office")
        year = year_of(request)
        if code not in portal.departments:
            raise HTTPException(404, "未知部门 / unknown department")
        return page(request, "office_department.html.j2", year=year, department=portal.departments[code],
                    cells=cell_status(portal, year, code), versions=uploads(portal, year, code))

    @app.post("/office/return")
    async def office_return(request: Request):
        account = require(request, "office")
        form = dict(await request.form())
        await check_csrf(request, form)
        row = return_upload(portal, account, client_address(request), int(form.get("id", 0)),
                            str(form.get("reason", "")))
        return RedirectResponse(f"/office/department/{row['department']}?year={row['year']}", status_code=303)

    @app.get("/office/overdue.xlsx")
    def office_overdue(request: Request):
        account = require(request, "office")
        year = year_of(request)
        portal.db.audit(account.name, client_address(request), "export-overdue", str(year))
        return Response(overdue_workbook(portal, year), media_type=XLSX, headers={
            "Content-Disposition": f"attachment; filename=\"overdue-{year}.xlsx\"; "
                                   f"filename*=UTF-8''{year}%E5%B9%B4%E7%9D%A3%E5%8A%9E%E6%B8%85%E5%8D%95.xlsx"})

    @app.post("/office/run")
    async def office_run(request: Request):
        account = require(request, "office")
        form = dict(await request.form())
        await check_csrf(request, form)
        year = int(form.get("year", 0))
        runs.start(portal, account, client_address(request), year, pdf=form.get("pdf") == "1")
        return RedirectResponse(f"/office/runs?year={year}", status_code=303)

    @app.get("/office/runs")
    def office_runs(request: Request):
        require(request, "office")
        return page(request, "runs.html.j2", year=year_of(request), jobs=runs.jobs(portal, 20))

    @app.post("/office/publish")
    async def office_publish(request: Request):
        account = require(request, "office")
        form = dict(await request.form())
        await check_csrf(request, form)
        year, on = int(form.get("year", 0)), form.get("publish") == "1"
        if on and manifest(portal, year) is None:
            raise HTTPException(409, f"{year} 年尚无报告, 无法发布公报 / no reports for this year")
        years = published(portal) | {year} if on else published(portal) - {year}
        portal.db.set_setting("published_bulletins", json.dumps(sorted(years)))
        portal.db.audit(account.name, client_address(request), "publish" if on else "unpublish", f"bulletin {year}")
        return RedirectResponse(f"/office?year={year}", status_code=303)

    @app.get("/office/audit")
    def office_audit(request: Request, limit: int = 500):
        require(request, "office")
        rows = portal.db.all("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (min(limit, 5000),))
        return page(request, "audit.html.j2", year=portal.default_year(), rows=rows)

    @app.get("/reviewer")
    def reviewer_page(request: Request):
        require(request, "reviewer", "office")
        year = year_of(request)
        found = manifest(portal, year)
        return page(request, "reviewer.html.j2", year=year, manifest=found,
                    published=year in published(portal))

    @app.get("/reports/{year}/{relative:path}")
    def report(request: Request, year: int, relative: str):
        account = require(request, "reviewer", "office")
        path = report_file(portal, year, relative)
        portal.db.audit(account.name, client_address(request), "read-report", f"{year}/{relative}")
        return _document(path)

    @app.get("/bulletin/{year}.{ext}")
    def bulletin(request: Request, year: int, ext: str):
        """Public once published by the office; the office and reviewers may read it before."""
        if year not in published(portal):
            require(request, "reviewer", "office")
        if ext not in ("html", "pdf"):
            raise HTTPException(404, "没有这个文件 / not found")
        return _document(report_file(portal, year, f"bulletin.{ext}"))


def _document(path: Path) -> FileResponse:
    """A report as the browser shows it: the reports are self-contained (inline style and SVG, the
    index page's own script), so they get their own CSP that allows exactly that and nothing remote."""
    media = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf", ".json": "application/json"}
    return FileResponse(path, media_type=media.get(path.suffix, "application/octet-stream"), headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                                   "img-src data: 'self'; frame-ancestors 'none'; base-uri 'none'"})
