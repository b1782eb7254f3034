"""`ecoassess portal` and `ecoassess user …`: the portal's commands, registered on the main CLI.
Imports of the web stack happen inside the commands, so `ecoassess --help` stays fast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Optional

import typer

user_app = typer.Typer(help="门户账号 / portal accounts: add, reset, disable, list.\n\n"
                            "例 / example: ecoassess user add lyj-clerk --role department "
                            "--department 市林业局 --password-stdin < 口令文件",
                       no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def register(app: typer.Typer, home_opt, data_opt, set_home: Callable) -> None:
    def db():
        from transforms.portal.store import PortalDB
        from transforms.runtime.home import Home

        return PortalDB(Home.resolve())

    def password(stdin: bool) -> str:
        if not stdin:
            return typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
        return sys.stdin.readline().rstrip("\r\n")

    def fail(exc: Exception) -> None:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(2)

    @app.command()
    def portal(host: str = typer.Option("127.0.0.1", help="监听地址 / address to listen on"),
               port: int = typer.Option(8000, help="端口 / port"),
               inbox: Optional[Path] = typer.Option(None, help="报送收件箱(默认 <运行目录>/inbox) / inbox the "
                                                               "portal writes and the runs read"),
               framework: Optional[str] = typer.Option(None, help="指标体系（默认值见 data/defaults.yaml） / "
                                                                  "framework id"),
               workers: int = typer.Option(2, min=0, help="检查进程数 / check processes"),
               forwarded_allow_ips: str = typer.Option("127.0.0.1", help="可信反向代理地址(其 X-Forwarded-For "
                                                                         "作为用户地址) / trusted proxies"),
               home: Optional[Path] = home_opt, data: Optional[Path] = data_opt) -> None:
        """启动报送门户(网页与 JSON 接口) / start the submission portal (pages and JSON API).

        例 / example: ecoassess portal --home /srv/ecoassess --inbox /srv/ecoassess/inbox --port 8000
        """
        set_home(home, data)
        import uvicorn

        from flows.portal.app import create_app
        from flows.portal.submissions import Portal
        from transforms.config.defaults import default_framework
        from transforms.portal.store import PortalDB
        from transforms.runtime.home import Home

        office = Home.resolve()
        chosen = (inbox or office.root / "inbox").resolve()
        chosen.mkdir(parents=True, exist_ok=True, mode=0o750)
        app_ = create_app(Portal(office, chosen, framework or default_framework(), PortalDB(office)), workers=workers)
        typer.echo(f"报送门户 / portal: http://{host}:{port}/  运行目录 / home: {office.root}  收件箱 / inbox: {chosen}")
        uvicorn.run(app_, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                    log_level="warning", server_header=False)

    @user_app.command("add")
    def add(name: str = typer.Argument(..., help="账号 / account name"),
            role: str = typer.Option(..., help="office | department | reviewer"),
            department: Optional[str] = typer.Option(None, help="部门代码或名称(部门账号) / department"),
            password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读密码 / read the "
                                                                                "password from stdin"),
            home: Optional[Path] = home_opt, data: Optional[Path] = data_opt) -> None:
        """新建账号 / add an account."""
        set_home(home, data)
        from transforms.config.framework import load_departments
        from transforms.intake.receive import resolve_department
        from transforms.portal.accounts import AccountError, add_account

        departments = load_departments()
        code = None
        if department is not None:
            found = resolve_department(department, departments)
            code = found.code if found else department
        store = db()
        try:
            add_account(store, name, role, code, password(password_stdin), {d.code for d in departments})
        except AccountError as exc:
            fail(exc)
        store.audit("cli", "local", "user-add", f"{name} {role} {code or ''}")
        typer.echo(f"已建账号 / added: {name} ({role}{' ' + code if code else ''})")

    @user_app.command("reset")
    def reset(name: str = typer.Argument(..., help="账号 / account name"),
              password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读密码 / from stdin"),
              home: Optional[Path] = home_opt) -> None:
        """重设密码(并启用账号, 结束其全部会话) / set a new password (enables, ends its sessions)."""
        set_home(home)
        from transforms.portal.accounts import AccountError, reset_password

        store = db()
        try:
            reset_password(store, name, password(password_stdin))
        except AccountError as exc:
            fail(exc)
        store.audit("cli", "local", "user-reset", name)
        typer.echo(f"已重设密码 / password reset: {name}")

    @user_app.command("disable")
    def disable(name: str = typer.Argument(..., help="账号 / account name"), home: Optional[Path] = home_opt) -> None:
        """停用账号(立即结束其会话) / disable an account (its sessions end at once)."""
        set_home(home)
        from transforms.portal.accounts import AccountError, disable_account

        store = db()
        try:
            disable_account(store, name)
        except AccountError as exc:
            fail(exc)
        store.audit("cli", "local", "user-disable", name)
        typer.echo(f"已停用 / disabled: {name}")

    @user_app.command("list")
    def list_(home: Optional[Path] = home_opt) -> None:
        """列出账号 / list accounts."""
        set_home(home)
        from transforms.portal.accounts import ROLES, list_accounts

        for a in list_accounts(db()):
            typer.echo(f"{a['name']}\t{ROLES[a['role']]}\t{a['department'] or '—'}\t"
                       f"{'已停用 / disabled' if a['disabled'] else '启用 / enabled'}\t{a['created_at']}")

    app.add_typer(user_app, name="user")
