"""The submission portal (`ecoassess portal`): a FastAPI application of Jinja2 pages and a small
JSON API, on the same home as the runs. It places checked files in the inbox and reads what runs
leave (the snapshot, the reports); it never opens the warehouse.

Pages: /login; /department (a department's year: each kind it owes, status, deadline, upload,
findings, 强制上报, versions); /office (the matrix, 退回, 督办 list, runs, publishing, audit log);
/reviewer (the year's reports). Anonymous requests reach only the login page, static files and a
published bulletin. API: /api/login, /api/submissions (see README).
"""

from __future__ import annotations

import mimetypes
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from flows.portal import office, runs
from flows.portal.auth import LOGIN_COOKIE, SESSION_COOKIE, LoginRequired, check_csrf, client_address, cookie_args, current, login_token, require
from flows.portal.limits import BodyLimit, SecurityHeaders
from flows.portal.submissions import Portal, Refused, attach_evidence, cell_status, force_upload, mark_interrupted, receive_upload, return_upload, template_bytes, upload_view, uploads
from transforms.portal.accounts import Throttled, authenticate, close_session, open_session

HERE = Path(__file__).resolve().parent
HOME_PAGE = {"office": "/office", "department": "/department", "reviewer": "/reviewer"}


def create_app(portal: Portal, workers: int = 2) -> FastAPI:
    """The application over `portal`; `workers`: check processes (0: check in the request's thread)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        mark_interrupted(portal)
        runs.mark_lost(portal)
        if workers:
            from flows.portal.checker import pool

            portal.pool = pool(workers)
        try:
            yield
        finally:
            if portal.pool:
                portal.pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="生态文明建设考核报送门户", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = Jinja2Templates(directory=HERE / "templates")

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        found = current(request)
        context |= {"account": found[0] if found else None, "csrf": found[1] if found else "",
                    "portal": portal, "fw": portal.fw}
        return pages.TemplateResponse(request, name, context, status_code=status)

    def year_of(request: Request) -> int:
        try:
            year = int(request.query_params.get("year") or portal.default_year())
        except ValueError:
            raise HTTPException(400, "年度应为数字 / year must be a number") from None
        if year not in portal.years():
            raise HTTPException(404, f"年度 {year} 不在考核年度内 / year out of range")
        return year

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请先登录 / login required"}, status_code=401)
        return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        return await http_error(request, HTTPException(exc.status, str(exc)))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "error.html.j2", exc.status_code, message=exc.detail, code=exc.status_code)

    # ---- login -------------------------------------------------------------------------------------
    @app.get("/login")
    def login_page(request: Request, next: str = "/"):
        token = login_token(request)
        response = page(request, "login.html.j2", login_csrf=token, next=_local(next), message=None)
        response.set_cookie(LOGIN_COOKIE, token, max_age=3600, **cookie_args())
        return response

    @app.post("/login")
    async def login_form(request: Request):
        form = await request.form()
        sent, expected = str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")
        if not expected or sent != expected:
            raise HTTPException(403, "请求缺少有效的安全令牌(CSRF), 请刷新页面后重试 / missing CSRF token")
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        result = await run_in_threadpool(_login, request, name, password)
        if isinstance(result, HTTPException):
            response = page(request, "login.html.j2", result.status_code, login_csrf=expected,
                            next=_local(str(form.get("next", "/"))), message=result.detail)
            response.headers.update(result.headers or {})
            return response
        account, token, _ = result
        response = RedirectResponse(_local(str(form.get("next") or "/")) if form.get("next") not in (None, "", "/")
                                    else HOME_PAGE[account.role], status_code=303)
        response.set_cookie(SESSION_COOKIE, token, **cookie_args())
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    def _login(request: Request, name: str, password: str):
        address = client_address(request)
        try:
            account = authenticate(portal.db, name, password, address)
        except Throttled as exc:
            portal.db.audit(name, address, "login-throttled", "")
            return HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)})
        if account is None:
            portal.db.audit(name, address, "login-failed", "")
            return HTTPException(401, "账号或密码错误, 或账号已停用 / wrong name or password, or account disabled")
        token, csrf = open_session(portal.db, account, address)
        portal.db.audit(account.name, address, "login", account.role)
        return account, token, csrf

    @app.post("/logout")
    async def logout(request: Request):
        await check_csrf(request, dict(await request.form()))
        account = require(request)
        close_session(portal.db, request.cookies.get(SESSION_COOKIE))
        portal.db.audit(account.name, client_address(request), "logout", "")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/")
    def home(request: Request):
        return RedirectResponse(HOME_PAGE[require(request).role], status_code=303)

    # ---- department ----------------------------------------------------------------------------------
    @app.get("/department")
    def department_page(request: Request, shown: int | None = None):
        account = require(request, "department")
        year = year_of(request)
        dept = account.department
        return page(request, "department.html.j2", year=year, department=portal.departments[dept],
                    counties=portal.counties(), indicators=[i for i in portal.fw.indicators if i.department == dept],
                    cells=cell_status(portal, year, dept), versions=uploads(portal, year, dept),
                    shown=upload_view(portal, shown, account) if shown else None)

    @app.post("/department/upload")
    async def department_upload(request: Request):
        account = require(request, "department")
        form, file = await _form_with_file(request, "请选择要上传的文件 / no file")
        year, kind = _int(form.get("year")), str(form.get("kind", ""))
        row = await run_in_threadpool(receive_upload, portal, account, client_address(request), year, kind,
                                      file.filename, file.file)
        return RedirectResponse(f"/department?year={year}&shown={row['id']}#result", status_code=303)

    @app.post("/department/force")
    async def department_force(request: Request):
        account = require(request, "department")
        form = await request.form()
        await check_csrf(request, dict(form))
        row = await run_in_threadpool(force_upload, portal, account, client_address(request), _int(form.get("id")),
                                      str(form.get("explanation", "")))
        return RedirectResponse(f"/department?year={row['year']}&shown={row['id']}#result", status_code=303)

    @app.post("/department/evidence")
    async def department_evidence(request: Request):
        """佐证材料 for one of the department's uploads."""
        account = require(request, "department")
        form, file = await _form_with_file(request, "请选择佐证材料文件 / no file")
        upload_id = _int(form.get("id"))
        cites = {k: str(form.get(k, "")) for k in ("event_id", "region_code", "indicator_code")}
        await run_in_threadpool(attach_evidence, portal, account, client_address(request), upload_id, file.filename,
                                file.file, str(form.get("note", "")), cites)
        row = upload_view(portal, upload_id, account)
        return RedirectResponse(f"/department?year={row['year']}&shown={upload_id}#evidence", status_code=303)

    @app.get("/evidence/{evidence_id}")
    def evidence_file(request: Request, evidence_id: int):
        account = require(request, "department", "office", "reviewer")  # reviewers read the reports citing it
        found = portal.db.one("SELECT * FROM evidence WHERE id = ? AND path != ''", (evidence_id,))
        if found is None:
            raise HTTPException(404, "没有这个文件 / not found")
        if account.role != "reviewer":  # a reviewer reads every report, so every evidence they cite
            upload_view(portal, found["upload_id"], account)  # 403 for another department's
        portal.db.audit(account.name, client_address(request), "download-evidence", f"#{evidence_id}")
        return FileResponse(found["path"], media_type=mimetypes.guess_type(found["file_name"])[0],
                            headers=_attachment(found["file_name"]))

    @app.get("/template/{year}/{kind}")
    def template(request: Request, year: int, kind: str, department: str | None = None):
        account = require(request, "department", "office")
        dept = account.department if account.role == "department" else department
        if account.role == "department" and department not in (None, account.department):
            raise HTTPException(403, "只能下载本部门的模板 / your department's template only")
        if dept not in portal.departments or kind not in {c.kind for c in portal.cells(dept, year)}:
            raise HTTPException(404, "没有这个模板 / no such template")
        name, data = template_bytes(portal, dept, year, kind)
        portal.db.audit(account.name, client_address(request), "template", f"{year} {dept} {kind}")
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers=_attachment(name))

    @app.get("/uploads/{upload_id}/{what}")
    def upload_file(request: Request, upload_id: int, what: str):
        """The upload as received (`file`), its steward report (`report`), annotated workbook (`annotated`)."""
        account = require(request, "department", "office")
        row = upload_view(portal, upload_id, account)  # 403 for another department's
        raw = portal.db.one("SELECT archive, report_dir FROM upload WHERE id = ?", (upload_id,))
        if what == "file" and raw["archive"]:
            path, name = Path(raw["archive"]), row["file_name"]
        elif what == "report" and raw["report_dir"] and (Path(raw["report_dir"]) / "steward.html").exists():
            return FileResponse(Path(raw["report_dir"]) / "steward.html", media_type="text/html; charset=utf-8",
                                headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                                    "img-src data:; sandbox"})
        elif what == "annotated" and row["annotated_workbook"]:
            path = Path(raw["report_dir"]) / row["annotated_workbook"]
            name = f"{Path(row['file_name']).stem}_标注.xlsx"
        else:
            raise HTTPException(404, "没有这个文件 / not found")
        if not path.is_file():
            raise HTTPException(404, "没有这个文件 / not found")
        portal.db.audit(account.name, client_address(request), f"download-{what}", f"#{upload_id}")
        return FileResponse(path, media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                            headers=_attachment(name))

    # ---- office ----------------------------------------------------------------------------------------
    office.routes(app, portal, page, year_of)

    # ---- API -------------------------------------------------------------------------------------------
    @app.post("/api/login")
    async def api_login(request: Request):
        """JSON {name, password} → {csrf, role, department}; the session cookie is set. A JSON body
        cannot be sent by a cross-site form, so the login needs no CSRF token of its own."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "请以 JSON 提交 / send JSON")
        try:
            body = await request.json()
            name, password = str(body["name"]), str(body["password"])
        except (ValueError, KeyError, TypeError):
            raise HTTPException(400, "需要 name 与 password / name and password required") from None
        result = await run_in_threadpool(_login, request, name, password)
        if isinstance(result, HTTPException):
            raise result
        account, token, csrf = result
        response = JSONResponse({"name": account.name, "role": account.role, "department": account.department,
                                 "csrf": csrf})
        response.set_cookie(SESSION_COOKIE, token, **cookie_args())
        return response

    @app.post("/api/submissions")
    async def api_submit(request: Request):
        """multipart: year, kind, file (the office adds department) → the upload with status and findings."""
        account = require(request, "department", "office")
        form, file = await _form_with_file(request, "缺少文件 / file required")
        row = await run_in_threadpool(receive_upload, portal, account, client_address(request), _int(form.get("year")),
                                      str(form.get("kind", "")), file.filename, file.file,
                                      form.get("department") or None)
        return JSONResponse(row, status_code=201)

    @app.get("/api/submissions")
    def api_list(request: Request, year: int):
        """The caller's department's uploads of `year`, or every department's for the office."""
        account = require(request, "department", "office")
        dept = account.department if account.role == "department" else request.query_params.get("department")
        return {"year": year, "submissions": uploads(portal, year, dept),
                "status": {d: cell_status(portal, year, d) for d in ([dept] if dept else portal.departments)
                           if d in portal.departments}}

    @app.post("/api/submissions/{upload_id}/force")
    async def api_force(request: Request, upload_id: int):
        account = require(request, "department")
        await check_csrf(request)
        body = await request.json()
        return await run_in_threadpool(force_upload, portal, account, client_address(request), upload_id,
                                       str(body.get("explanation", "")))

    @app.post("/api/submissions/{upload_id}/return")
    async def api_return(request: Request, upload_id: int):
        account = require(request, "office")
        await check_csrf(request)
        body = await request.json()
        return await run_in_threadpool(return_upload, portal, account, client_address(request), upload_id,
                                       str(body.get("reason", "")))

    return app


async def _form_with_file(request: Request, no_file: str):
    """A multipart form after its CSRF check, and its `file` field; 400 with `no_file` without one."""
    form = await request.form()
    await check_csrf(request, dict(form))
    file = form.get("file")
    if file is None or isinstance(file, str):
        raise HTTPException(400, no_file)
    return form, file


def _int(value) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise HTTPException(400, f"应为整数 / not an integer: {str(value)[:20]!r}") from None


def _local(target: str) -> str:
    """Only a path on this site after login (never `//host` or a scheme): no open redirect."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f"attachment; filename=\"download{Path(name).suffix}\"; "
                                   f"filename*=UTF-8''{quote(name)}"}

