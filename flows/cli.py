"""`ecoassess`: the command line of the evaluation office (Chinese first, English alongside).

Exit codes: 0 success; 1 the run failed (or, for `validate`/`revalidate`, a file was rejected);
2 wrong usage, configuration or machine set-up; 3 another run holds the home (see `--wait`).
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer

from flows import configure_prefect

DEMO_INBOX = Path(__file__).resolve().parent.parent / "data" / "demo" / "inbox"
EPILOG = ("退出码 / exit codes: 0 成功 / success; 1 运行失败或文件被退回 / run failed or file rejected; "
          "2 用法、配置或环境错误 / usage, configuration or set-up; 3 另一任务正在使用运行目录 / home busy "
          "(加 --wait 排队 / use --wait).")
app = typer.Typer(help="生态文明建设目标评价考核 / ecological-civilization annual assessment.\n\n"
                       "例 / examples: ecoassess run --demo; ecoassess status; ecoassess reports --open bulletin\n\n"
                       "默认值：年度为上一年度（按北京时间），指标体系、配色和分页阈值见 data/defaults.yaml / defaults: "
                       "the year before today in China; framework, palette and pagination in data/defaults.yaml",
                  epilog=EPILOG, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode="rich")


# Chinese line breaking for rich: a line may break between two Chinese characters, but not before a
# closing mark (，。）…) nor after an opening one (（“…), nor inside a path (`<年>/<部门>/<文件>`);
# other text breaks at spaces as before.
_OPENING, _CLOSING = "（《「『“‘【〔([{", "，。、；：？！）》」』”’】〕…)]},.;:!?"
_HAN = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018-\u201d\u2026"
_OPEN, _CLOSE = re.escape(_OPENING), re.escape(_CLOSING)
_WRAP_WORD = re.compile(rf"\s*(?:\S*[/<>]\S*|[{_OPEN}]*[{_HAN}][{_CLOSE}]*|[{_OPEN}]*[^\s{_HAN}]+[{_CLOSE}]*|\S)\s*")


def _rich_wraps_chinese() -> None:
    """Two fixes to rich 15.0's word wrap for Chinese text (help at 80 columns, the results table):
    it breaks only at spaces, so a Chinese phrase longer than a column is cut with "…"; and
    `Text.rstrip_end` compares a line's length in characters with the width in cells, so a line
    holding Chinese (two cells a character) keeps its trailing space, is a cell too wide and loses its
    last word to "…". Here Chinese breaks between characters and the line is measured in cells."""
    from rich import _wrap
    from rich.text import Text

    def rstrip_end(self: Text, size: int) -> None:
        excess = self.cell_len - size
        trailing = re.search(r"\s+$", self.plain)
        if excess > 0 and trailing:
            self.right_crop(min(len(trailing.group(0)), excess))  # whitespace is one cell a character

    _wrap.re_word = _WRAP_WORD
    Text.rstrip_end = rstrip_end


_rich_wraps_chinese()
HomeOpt = typer.Option(None, "--home", help="运行目录(默认 var/ 或 $ECOASSESS_HOME) / runtime home")
DataOpt = typer.Option(None, "--data", help="配置目录(默认项目 data/ 或 $ECOASSESS_DATA), 如 `ecoassess demo "
                                            "--regions` 生成的虚构辖区 / configuration folder")
WaitOpt = typer.Option(False, "--wait", help="运行目录被占用时排队等待, 而不是立即退出(退出码 3) / wait for a "
                                             "running job instead of exiting with code 3")
WorkersOpt = typer.Option(None, "--workers", min=1, help="渲染进程数(默认全部核心) / rendering processes "
                                                         "(default: all cores)")
DaskOpt = typer.Option(False, "--dask", help="在本次运行专用的本地 Dask 集群上渲染 / render on a local Dask "
                                             "cluster started for this run")
YearOpt = typer.Option(None, "--year", help="考核年度（默认为上一年度） / assessment year (default: last year)")
FrameworkOpt = typer.Option(None, "--framework", help="指标体系（默认值见 data/defaults.yaml） / framework id "
                                                      "(data/frameworks/*.yaml; default in data/defaults.yaml)")
DaskAddressOpt = typer.Option(None, "--dask-address", help="在已有 Dask 集群上渲染, 如 tcp://10.0.0.5:8786 "
                                                           "(运行目录须为共享存储) / render on a running Dask "
                                                           "cluster (the home must be shared storage)")


def _set_home(home: Optional[Path], data: Optional[Path] = None) -> None:
    """The home and configuration a flag names, for this process and Prefect (imported after this)."""
    if home:
        os.environ["ECOASSESS_HOME"] = str(home.resolve())
        configure_prefect(home.resolve())
    if data:
        os.environ["ECOASSESS_DATA"] = str(data.resolve())


def _year(year: Optional[int]) -> int:
    """The year given, else the default: the year before today in China (transforms.config.defaults)."""
    from transforms.config.defaults import default_year

    return year if year is not None else default_year()


def _framework(framework: Optional[str]) -> str:
    """The framework given, else the one of data/defaults.yaml (of the --data folder, if it has one)."""
    from transforms.config.defaults import default_framework

    return framework or default_framework()


def _fail(message: str, code: int) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _dask(local: bool, address: Optional[str]) -> Optional[str]:
    if local and address:
        _fail("--dask 与 --dask-address 只能选一个 / choose --dask or --dask-address", 2)
    return address or ("local" if local else None)


@contextmanager
def _job(what: str, wait: bool) -> Iterator[None]:
    """Hold the home for the job (before Prefect starts: a refused run stops at once) and turn the
    failures an operator can act on into a message and an exit code."""
    from flows.stages import ReportOutputError
    from report_templates.render import RenderSetupError
    from transforms.config.framework import ConfigError
    from transforms.runtime.home import Home
    from transforms.runtime.lock import RunLocked, exclusive

    def waiting(info: dict) -> None:
        typer.echo(f"运行目录正被另一任务使用(进程 {info.get('pid', '?')}, {info.get('what', '')}), 排队等待… "
                   f"/ waiting for the running job…", err=True)

    try:
        with exclusive(Home.resolve(), what=what, wait=wait, on_wait=waiting):
            yield
    except RunLocked as exc:
        _fail(str(exc), 3)
    except ReportOutputError as exc:  # a clear reason and what to do; the stage it stopped in
        notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", []))
        _fail(f"运行失败 / run failed{notes}:\n{exc}", 1)
    except (ConfigError, RenderSetupError) as exc:
        _fail(str(exc), 2)
    except typer.Exit:
        raise
    except Exception as exc:
        notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", []))
        _fail(f"运行失败 / run failed{notes}: {type(exc).__name__}: {exc}\n"
              f"运行记录见 / see the history: ecoassess status", 1)


@app.command()
def run(year: Optional[int] = typer.Option(None, help="考核年度（默认为上一年度；--demo 时为演示数据的最新年度） / assessment "
                                                   "year (default: last year; with --demo the demo data's newest)"),
        framework: Optional[str] = FrameworkOpt,
        inbox: Optional[Path] = typer.Option(None, help="报送收件箱 <年>/<部门>/<文件> / submissions inbox"),
        demo: bool = typer.Option(False, "--demo", help="使用内置演示数据 / use the embedded demo inbox"),
        pdf: bool = typer.Option(True, help="同时生成 PDF / also render PDF"),
        workers: Optional[int] = WorkersOpt, dask: bool = DaskOpt, dask_address: Optional[str] = DaskAddressOpt,
        force_render: bool = typer.Option(False, "--force-render", help="重新生成全部报告 / re-render every "
                                                                        "document"),
        wait: bool = WaitOpt, home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """运行年度评价考核 / run the annual assessment.

    输入(报送文件、指标体系、代码)未变时沿用上次结果, 不重新生成报告; 某部门更正后只重新审核该部门, 只重写内容有变化的报告。 / Unchanged inputs reuse the last run and render nothing; after a correction only that department is validated again and only changed documents are written.

    例 / examples:

      ecoassess run --demo
      ecoassess run --inbox /mnt/share/考核报送 --wait
      ecoassess run --demo --dask
    """
    _set_home(home, data)
    if demo and year is None:  # the demo data is of fixed years: its newest, not a year it does not have
        year = max(int(p.name) for p in DEMO_INBOX.iterdir() if p.name.isdigit())
    year, framework = _year(year), _framework(framework)
    chosen = DEMO_INBOX if demo else inbox
    if chosen and not chosen.is_dir():
        _fail(f"收件箱不存在 / inbox not found: {chosen}", 2)
    with _job(f"run {year}", wait):
        from transforms.config.framework import framework_path, load_framework

        load_framework(framework_path(framework))  # a bad framework fails here, before Prefect starts
        from flows import progress
        from flows.annual_assessment import annual_assessment

        with progress.shown():
            out = annual_assessment(year=year, framework=framework, inbox=str(chosen) if chosen else None, pdf=pdf,
                                    workers=workers, dask=_dask(dask, dask_address), force_render=force_render)
    typer.echo(f"运行完成 / run {out['run_id']} succeeded")
    typer.echo("等级分布 / grades: " + ", ".join(f"{g} {n}" for g, n in out["grades"].items()))
    for name, rules in out["vetoed"].items():
        typer.echo(f"一票否决 / veto: {name}: {'、'.join(rules)}")
    rejected = [v for v in out["validation"] if v["状态"] == "rejected"]
    typer.echo(f"报送文件 / submissions: {len(out['validation'])}, 退回 / rejected: {len(rejected)}")
    for d in out["validation_by_department"]:
        if d["结论"] != "通过":
            typer.echo(f"审核 / validation: {d['部门']}: {d['结论']} (警告 {d['采用版本警告']}, 退回 {d['退回']})")
    typer.echo(f"报告 / documents rendered this run: {out['rendered']} of {out['documents']}"
               + (f" (输入未变, 沿用运行 {out['scored_run_id']} 的结果 / inputs unchanged)"
                  if out["scored_run_id"] != out["run_id"] else ""))
    if out["rendered"]:
        typer.echo(f"渲染进程 / rendered by pids: {', '.join(map(str, out['render_pids']))}")
    typer.echo(f"报告目录 / reports: {out['reports']}")
    typer.echo(f"目录页 / index: {Path(out['reports']) / 'index.html'}")
    typer.echo(f"清单 / manifest: {Path(out['reports']) / 'manifest.json'}")
    try:
        _show_ranking(year, framework, "table", top=RUN_END_TOP)
    except Exception as exc:  # the run succeeded: a warehouse busy with the next queued run only hides the table
        typer.echo(f"排名暂不能显示 / ranking not shown ({exc}); 请用 / use: ecoassess results --year {year}", err=True)


@app.command()
def revalidate(department: str = typer.Argument(..., help="部门代码或名称 / department"),
               year: Optional[int] = YearOpt, framework: Optional[str] = FrameworkOpt,
               inbox: Optional[Path] = typer.Option(None, help="报送收件箱 / submissions inbox"),
               wait: bool = WaitOpt, home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """部门重新报送后只审核该部门 / validate one department's new files after a resubmission.

    退出码 / exit status: 0 通过 / accepted; 1 有文件被退回 / a file was rejected; 3 运行目录被占用 / home busy.

    例 / example:

      ecoassess revalidate 市林业局 --inbox /mnt/share/考核报送
    """
    _set_home(home, data)
    year, framework = _year(year), _framework(framework)
    with _job(f"revalidate {department} {year}", wait):
        from flows.annual_assessment import revalidate_department

        outcomes = revalidate_department(department=department, year=year, framework=framework,
                                         inbox=str(inbox) if inbox else None)
    if not outcomes:
        typer.echo("没有新的报送文件 / no new files")
    for o in outcomes:
        typer.echo(f"{o['file_name']} 第 {o['version']} 版: {o['status']} (错误 {o['errors']}, 警告 {o['warnings']})")
    raise typer.Exit(1 if any(o["status"] == "rejected" for o in outcomes) else 0)


@app.command()
def rerender(year: Optional[int] = YearOpt, framework: Optional[str] = FrameworkOpt,
             pdf: bool = typer.Option(True, help="同时生成 PDF / also render PDF"),
             force: bool = typer.Option(False, "--force", help="内容未变也重新生成 / re-render every document"),
             workers: Optional[int] = WorkersOpt, dask: bool = DaskOpt, dask_address: Optional[str] = DaskAddressOpt,
             wait: bool = WaitOpt, home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """按最近一次成功运行重新生成报告 / re-render the year's reports from its latest run.

    只重写内容有变化的报告(--force 全部重写) / only documents whose content changed are written (--force: all).

    例 / examples:

      ecoassess rerender
      ecoassess rerender --force --workers 2
      ecoassess rerender --dask-address tcp://10.0.0.5:8786
    """
    _set_home(home, data)
    year, framework = _year(year), _framework(framework)
    with _job(f"rerender {year}", wait):
        from flows import progress
        from flows.annual_assessment import rerender as rerender_flow

        with progress.shown():
            out = rerender_flow(year=year, framework=framework, pdf=pdf, workers=workers,
                                dask=_dask(dask, dask_address), force=force)
    typer.echo(f"重新生成 / rendered {out['rendered']} of {out['documents']}: {out['manifest']}")
    if out["rendered"]:
        typer.echo(f"渲染进程 / rendered by pids: {', '.join(map(str, out['render_pids']))}")


@app.command()
def demo(out: Path = typer.Option(Path("data/demo/inbox"), help="输出目录 / output inbox folder (with --regions: "
                                                                 "an empty folder for data/ and inbox/)"),
         years: Optional[str] = typer.Option(None, help="年度，逗号分隔（默认为截至上一年度的5年） / years, comma "
                                                        "separated (default: the 5 years up to last year)"),
         seed: int = typer.Option(20250101, help="随机种子 / random seed"),
         framework: Optional[str] = typer.Option(None, help="指标体系，逗号分隔（默认值见 data/defaults.yaml） / "
                                                            "framework id(s)"),
         defect_rate: float = typer.Option(0.0, "--defect-rate", min=0.0, max=1.0,
                                           help="含故意缺陷的文件比例 / share of files with deliberate defects"),
         regions: int = typer.Option(0, help="虚构县的数量(0 = 赣州演示辖区) / synthetic counties (0 = the demo "
                                             "jurisdiction)"),
         departments: int = typer.Option(20, help="虚构辖区的部门数 / departments of a synthetic jurisdiction")) -> None:
    """生成演示报送数据(虚构) / write the synthetic demo submissions.

    例 / examples:

      ecoassess demo --out /tmp/inbox --defect-rate 0.2
      ecoassess demo --regions 2850 --out /tmp/national

    然后 / then: ECOASSESS_DATA=/tmp/national/data ecoassess run --framework synthetic --inbox /tmp/national/inbox
    """
    from transforms.config.framework import framework_path, load_framework
    from transforms.demo.inbox import write_demo_inbox
    from transforms.demo.synthetic import write_synthetic_dataset

    last = _year(None)
    year_list = [int(y) for y in years.split(",")] if years else list(range(last - 4, last + 1))
    frameworks = [f.strip() for f in _framework(framework).split(",") if f.strip()]
    if regions:
        ds = write_synthetic_dataset(out, regions, departments, year_list, frameworks, seed, defect_rate)
        typer.echo(f"已写入虚构辖区 / wrote a synthetic jurisdiction: {ds.regions} 县, {ds.departments} 部门, "
                   f"{ds.indicators} 指标, {ds.cadres} 名干部, {len(ds.files)} 个文件")
        typer.echo(f"运行 / run: ECOASSESS_DATA={ds.data_dir} {' '.join(ds.run_command())}")
        return
    paths = write_demo_inbox(out, load_framework(framework_path(frameworks[0])), year_list, seed,
                             defect_rate=defect_rate)
    typer.echo(f"已写入 {len(paths)} 个演示文件 / wrote {len(paths)} files under {out}")


@app.command()
def validate(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="待报送文件 / file to check"),
             department: str = typer.Option(..., "--department", "-d", help="部门代码或名称 / department"),
             year: Optional[int] = YearOpt, framework: Optional[str] = FrameworkOpt,
             report: Optional[Path] = typer.Option(None, help="审核报告输出目录(JSON、HTML、标注副本) / folder for the "
                                                                "JSON and HTML reports and the annotated workbook"),
             home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """报送前自查, 规则与正式审核相同 / check a file before sending it, with the run's rules.

    与上年比较用运行目录中已审核的数据(复制一份, 不改动原数据) / the comparison with last year uses a copy of the accepted data in the runtime home, which is never changed.

    退出码 / exit status: 0 通过(可有警告) / passed; 1 有错误 / errors found; 2 用法错误 / usage.

    例 / example: ecoassess validate 林业局报送.xlsx -d 市林业局
    """
    _set_home(home, data)
    year, framework = _year(year), _framework(framework)
    from expectations.check_file import check_file
    from expectations.steward import steward_text
    from transforms.config.framework import framework_path, load_departments, load_framework
    from transforms.intake.receive import resolve_department
    from transforms.runtime.home import Home

    dept = resolve_department(department, load_departments())
    if dept is None:
        typer.echo(f"未知部门 {department!r} / unknown department", err=True)
        raise typer.Exit(2)
    fw_path = framework_path(framework)
    office = Home.locate()  # read, never created or written
    checked = check_file(file, dept, year, load_framework(fw_path), fw_path, office, report)
    result, last = checked.result, checked.compared_year
    typer.echo(steward_text(result))
    typer.echo(f"与上年比较 / compared with: {last} 年已审核数据 ({office.warehouse})" if last else
               f"未找到 {year} 年以前已审核的数据, 未与上年比较 / no accepted earlier year in {office.warehouse}")
    if report:
        typer.echo(f"审核报告 / reports: {report / 'steward.html'}, {report / 'steward.json'}")
        if result.get("annotated_workbook"):
            typer.echo(f"标注副本 / annotated workbook: {report / result['annotated_workbook']}")
    elif result.get("annotated_workbook"):
        typer.echo("加 --report <目录> 可得到标注副本和 HTML 报告 / add --report DIR for the annotated workbook")
    raise typer.Exit(0 if result["status"] == "accepted" else 1)


@app.command()
def template(department: str = typer.Argument(..., help="部门代码或名称, 如 lyj 或 市林业局 / department"),
             year: Optional[int] = YearOpt, framework: Optional[str] = FrameworkOpt,
             kind: str = typer.Option("indicators", help="indicators 指标数据, events 生态环境事件, tenures 领导干部"
                                                         "任职情况 / what the template is for"),
             out: Optional[Path] = typer.Option(None, help="输出文件 / output .xlsx"),
             home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """生成部门填报模板(Excel) / write a department's Excel template.

    例 / examples: ecoassess template 市林业局 --out 林业局填报模板.xlsx;
    ecoassess template 市生态环境局 --kind events; ecoassess template 市委组织部 --kind tenures
    """
    _set_home(home, data)
    year, framework = _year(year), _framework(framework)
    from transforms.config.framework import framework_path, load_departments, load_framework
    from transforms.intake.excel_template import KINDS
    from transforms.intake.receive import resolve_department
    from transforms.intake.templates import submission_template
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import load_config, open_warehouse

    dept = resolve_department(department, load_departments())
    if dept is None:
        typer.echo(f"未知部门 {department!r} / unknown department", err=True)
        raise typer.Exit(2)
    fw_path = framework_path(framework)
    fw = load_framework(fw_path)
    if kind not in KINDS:
        _fail(f"未知的模板类型 {kind!r}, 可选: {', '.join(KINDS)} / unknown kind", 2)
    target = out or Path(f"{dept.name}_{year}年{KINDS[kind]}填报模板.xlsx")
    with open_warehouse(Home.resolve()) as con:
        load_config(con, fw, fw_path)
        submission_template(con, fw, dept.code, kind, year, target)
    typer.echo(f"已生成模板 / template written: {target}")


@app.command()
def serve(limit: Optional[int] = typer.Option(None, help="同时运行的最大数 / most runs at once"),
          home: Optional[Path] = HomeOpt) -> None:
    """按 prefect.yaml 提供全部部署(含年度定时), 不需工作池 / serve every deployment of prefect.yaml (the yearly schedule included) from this process, no work pool needed.

    需要 Prefect 服务器 / needs a Prefect server: PREFECT_API_URL=http://<server>:4200/api

    例 / example:

      ECOASSESS_INBOX=/mnt/share/考核报送 ecoassess serve --home /srv/ecoassess
    """
    _set_home(home)
    from flows.deployments import serve as serve_all
    from transforms.runtime.home import PROJECT_DIR

    os.chdir(PROJECT_DIR)  # entrypoints in prefect.yaml are relative to the project folder
    serve_all(limit)



@app.command("notify-office")
def notify_office(webhook: Optional[str] = typer.Option(None, help="接收通知的网址(POST JSON: subject, body) / "
                                                                   "webhook URL to POST the notice to"),
                  block: Optional[str] = typer.Option(None, help="已在 Prefect 界面建好的通知块, 如 "
                                                                 "sendgrid-email/kaohe / an existing notification "
                                                                 "block <type slug>/<name>")) -> None:
    """运行失败时通知考核办: 在 Prefect 服务器上建立自动化规则 / create the Prefect automation that notifies the office when a run fails.

    年度考核、重新审核、重新生成报告的任一运行失败或崩溃, 服务器即通过 webhook 或通知块(如电子邮件)发出通知,
    内含运行名称、原因、参数和界面链接。再次执行会替换原规则。需要 PREFECT_API_URL。 / Any failed or crashed run
    of the three flows sends its name, reason, parameters and UI link; running it again replaces the rule.

    例 / examples:

      PREFECT_API_URL=http://127.0.0.1:4200/api ecoassess notify-office --webhook https://oa.example.gov.cn/hook

      PREFECT_API_URL=http://127.0.0.1:4200/api ecoassess notify-office --block sendgrid-email/kaohe
    """
    if bool(webhook) == bool(block):
        _fail("请给出 --webhook 或 --block 之一 / give --webhook or --block", 2)
    if not os.environ.get("PREFECT_API_URL"):
        _fail("需要 Prefect 服务器: 请设置 PREFECT_API_URL / set PREFECT_API_URL to the server's API", 2)
    from flows.notify import block_id, create_failure_automation, save_webhook_block

    try:
        target = save_webhook_block(webhook) if webhook else block_id(block)
    except ValueError as exc:
        _fail(f"找不到通知块 {block} / no such block: {exc}", 2)
    automation = create_failure_automation(target)
    typer.echo(f"已建立自动化规则 / automation created: {automation.name} ({automation.id}); "
               f"通知发往 / notifies: {webhook or block}")

def _json(value) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _console():
    """Rich output; when piped (logs, tests) wide enough that run ids and paths are not cut."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=240)


RUN_END_TOP = 10  # the end of `run` shows this many counties from the top and the bottom of a long list


def _show_ranking(year: Optional[int], framework: Optional[str], fmt: str, top: Optional[int] = None) -> None:
    """The ranking of the year's latest succeeded run: a table (with `top`, the first and last `top` of
    a longer list), or CSV / JSON on standard output for scripts."""
    import csv
    import sys

    from rich.table import Table

    from transforms.reporting.ranking import COLUMNS, interval_text, latest_scored_run, ranking, veto_text
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import open_warehouse

    home = Home.locate()  # read only: a home that does not exist is not created
    if not home.warehouse.exists():
        _fail(f"运行目录 {home.root} 中没有数据仓库，请先运行 ecoassess run / no warehouse in this home", 2)
    with open_warehouse(home) as con:
        found = latest_scored_run(con, year, framework)
        if found is None:
            _fail(f"{year or ''}年尚无成功的考核运行，请先运行 ecoassess run / no succeeded run"
                  f"{f' for {year}' if year else ''}", 2)
        run_id, year, framework = found
        table = ranking(con, run_id, year).to_dicts()
    if fmt == "json":
        typer.echo(json.dumps({"year": year, "framework": framework, "run_id": run_id, "counties": table},
                              ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        fields = ["rank", "region_code", "county", "index", "rank_p05", "rank_p95", "assessment_score", "grade",
                  "vetoed", "veto_rules"]
        writer = csv.DictWriter(sys.stdout, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "vetoed": str(r["vetoed"]).lower(), "veto_rules": "、".join(r["veto_rules"])}
                        for r in table)
        return
    cut = bool(top) and len(table) > 2 * top
    shown = [*table[:top], None, *table[-top:]] if cut else table
    out = Table(title=f"{year}年度排名 / ranking: {framework}", caption=f"{len(table)}个县（市、区） / counties; "
                                                                   f"运行 / run {run_id}")
    for key in ("rank", "county", "index", "rank_interval", "assessment_score", "grade", "veto"):
        zh, en = COLUMNS[key]
        out.add_column(f"{zh}\n{en}", justify="right" if key in ("rank", "index", "assessment_score") else "left")
    for r in shown:
        if r is None:
            out.add_row("…", f"略去{len(table) - 2 * top}个 / {len(table) - 2 * top} more", "", "", "", "", "")
            continue
        out.add_row(str(r["rank"] or "—"), r["county"], f"{r['index']:.2f}" if r["index"] is not None else "—",
                    interval_text(r), f"{r['assessment_score']:.2f}" if r["assessment_score"] is not None else "—",
                    r["grade"] or "—", veto_text(r), style="red" if r["vetoed"] else None)
    _console().print(out)
    if cut:
        typer.echo(f"全部排名 / full ranking: ecoassess results --year {year}")


@app.command()
def results(year: Optional[int] = typer.Option(None, help="考核年度（默认为最近一次成功运行的年度） / year (default: "
                                                          "the latest year with a succeeded run)"),
            framework: Optional[str] = typer.Option(None, help="只看某指标体系的运行 / only runs of this "
                                                               "framework"),
            fmt: str = typer.Option("table", "--format", help="table（终端表格） / csv / json"),
            home: Optional[Path] = HomeOpt) -> None:
    """显示年度排名 / print the year's ranking.

    排名、县（市、区）、指数、排名区间（5%–95%）、考核得分、等级、一票否决，取该年度最近一次成功运行的结果。 / Rank, county, index, rank interval, assessment score, grade and veto, from the year's latest succeeded run.

    例 / examples:

      ecoassess results --year 2025
      ecoassess results --year 2025 --format csv > 排名.csv
      ecoassess results --format json
    """
    if fmt not in ("table", "csv", "json"):
        _fail(f"--format 须为 table、csv 或 json / unknown format: {fmt}", 2)
    _set_home(home)
    _show_ranking(year, framework, fmt)


@app.command()
def confirm(submission: int = typer.Argument(..., help="报送文件编号(见 ecoassess submissions) / submission id"),
            reason: str = typer.Option(..., "--reason", help="确认理由 / why the value stands"),
            by: str = typer.Option("office", "--by", help="office 考核办受理 / department 部门强制上报"),
            person: str = typer.Option("", "--person", help="确认人 / who confirms"),
            framework: Optional[str] = FrameworkOpt,
            wait: bool = WaitOpt, home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """确认待确认(held)的报送文件, 使其参与计分 / accept a held submission (veto or binding indicator
    with an implausible change) on the department's (强制上报) or the office's word, with a reason.

    例 / example:

      ecoassess confirm 12 --by department --person 张三 --reason "2025 年完成耕地占补平衡核查, 数据以核查结果为准"
    """
    _set_home(home, data)
    with _job(f"confirm {submission}", wait):
        from expectations.confirm import ConfirmError, confirm_submission
        from transforms.config.framework import framework_path, load_framework
        from transforms.runtime.home import Home
        from transforms.runtime.warehouse import open_warehouse

        fw = load_framework(framework_path(_framework(framework)))
        target = Home.resolve()
        try:
            with open_warehouse(target) as con:
                report = confirm_submission(con, submission, reason, by, person, target, fw)  # type: ignore[arg-type]
        except ConfirmError as exc:
            _fail(f"{exc} / cannot confirm", 1)
    typer.echo(f"{report['file_name']} 第 {report['version']} 版: 已确认, 状态 {report['status']} / confirmed; "
               "下次运行计入评分 / scored by the next run")


@app.command()
def submissions(year: Optional[int] = typer.Option(None, help="报送年度 / year"),
                department: Optional[str] = typer.Option(None, "--department", "-d",
                                                          help="部门代码或名称 / department"),
                home: Optional[Path] = HomeOpt) -> None:
    """查看报送文件的全部版本及来源 / list every received file: version, sha256, time, status, current.

    例 / example: ecoassess submissions -d 市林业局
    """
    _set_home(home)
    from transforms.config.framework import load_departments
    from transforms.intake.receive import resolve_department, submission_history
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import open_warehouse

    code = None
    if department:
        dept = resolve_department(department, load_departments())
        code = dept.code if dept else department
    with open_warehouse(Home.resolve()) as con:
        history = submission_history(con, year, code)
    if history.height == 0:
        typer.echo("没有报送记录 / no submissions")
    for r in history.iter_rows(named=True):
        typer.echo(f"{'*' if r['is_current'] else ' '} #{r['submission_id']:<4} {r['year']} {r['department_name']:<8} {r['kind'] or '-':<10} "
                   f"第 {r['version'] or '-'} 版  {r['status']:<8} {r['received_at']:%Y-%m-%d %H:%M:%S}  "
                   f"sha256 {r['sha256'][:12]}  {r['file_name']}  → {r['archive_path']}")
    typer.echo("* = 当前采用的版本 / current data")


@app.command()
def status(run_id: Optional[str] = typer.Option(None, "--run", help="显示某次运行的详情(可用前缀) / details of "
                                                                    "one run (a prefix will do)"),
           limit: int = typer.Option(10, help="显示条数 / rows"), home: Optional[Path] = HomeOpt) -> None:
    """查看运行历史 / show the run history.

    每次运行的参数、输入指纹、各阶段耗时与计数、结果、Prefect 流程运行编号 / per run: parameters, fingerprints, stage timings and counts, outcome, Prefect flow-run id.

    例 / examples:

      ecoassess status
      ecoassess status --run 2025-2026
    """
    _set_home(home)
    from rich.table import Table

    from transforms.runtime.home import Home
    from transforms.runtime.sql import statement
    from transforms.runtime.warehouse import open_warehouse

    with open_warehouse(Home.resolve()) as con:
        history = con.execute(statement("runs/history"), [run_id or None, run_id or None, limit])
        found = [dict(zip([c[0] for c in history.description], r)) for r in history.fetchall()]
    console = _console()
    if not found:
        typer.echo("尚无运行记录 / no runs yet" if not run_id else f"未找到运行 {run_id} / no such run")
        raise typer.Exit(0 if not run_id else 2)
    if run_id:
        r = found[0]
        detail = Table(title=f"运行 / run {r['run_id']}", show_header=False)
        detail.add_column(style="bold")
        detail.add_column()
        for key in ("year", "framework_id", "status", "started_at", "finished_at", "scored_run_id",
                    "prefect_flow_run_id", "error"):
            detail.add_row(key, str(r[key] if r[key] is not None else "—"))
        for key in ("parameters", "fingerprints", "stage_timings", "stage_counts"):
            detail.add_row(key, json.dumps(_json(r[key]), ensure_ascii=False, indent=1, default=str))
        summary = _json(r["summary"])
        detail.add_row("grades", ", ".join(f"{g} {n}" for g, n in summary.get("grades", {}).items()) or "—")
        detail.add_row("vetoed", "; ".join(f"{n}({'、'.join(v)})" for n, v in summary.get("vetoed", {}).items())
                       or "—")
        console.print(detail)
        return
    table = Table(title="运行历史 / run history")
    for header in ("运行 / run", "年度", "状态 / status", "开始 / started", "用时 s", "生成 / rendered",
                   "沿用 / reused", "阶段耗时 / stages (s)", "Prefect flow run"):
        table.add_column(header)
    colour = {"succeeded": "green", "failed": "red", "running": "yellow", "interrupted": "magenta"}
    for r in found:
        timings, counts = _json(r["stage_timings"]), _json(r["stage_counts"])
        took = f"{(r['finished_at'] - r['started_at']).total_seconds():.1f}" if r["finished_at"] else "—"
        report = counts.get("report") or {}
        rendered = f"{report['rendered']}/{report['documents']}" if report else "—"
        table.add_row(r["run_id"], str(r["year"]), f"[{colour.get(r['status'], 'white')}]{r['status']}[/]",
                      f"{r['started_at']:%Y-%m-%d %H:%M:%S}", took, rendered,
                      r["scored_run_id"] if r["scored_run_id"] and r["scored_run_id"] != r["run_id"] else "—",
                      " ".join(f"{k} {v:.1f}" for k, v in timings.items()),
                      (r["prefect_flow_run_id"] or "—")[:8])
    console.print(table)


@app.command()
def reports(year: Optional[int] = YearOpt,
            kind: Optional[str] = typer.Option(None, help="只列某类: county / cadre / bulletin / only one kind"),
            open_key: Optional[str] = typer.Option(None, "--open", help="打开一份报告: bulletin、县代码、干部编号或"
                                                                        "名称 / open one: bulletin, a region code, "
                                                                        "a cadre id or a title word"),
            html: bool = typer.Option(False, "--html", help="打开 HTML 而不是 PDF / open the HTML, not the PDF"),
            home: Optional[Path] = HomeOpt) -> None:
    """列出或打开已生成的报告 / list (or open) the reports of a year.

    例 / examples:

      ecoassess reports
      ecoassess reports --kind county
      ecoassess reports --open 360734
      ecoassess reports --open bulletin --html
      ecoassess reports --open index
    """
    _set_home(home)
    year = _year(year)
    import webbrowser

    from rich.table import Table

    from transforms.runtime.home import Home

    folder = Home.resolve().reports(year)
    manifest = folder / "manifest.json"
    if not manifest.exists():
        _fail(f"未找到 {manifest}, 请先运行 ecoassess run --year {year} / no reports for {year}", 2)
    listing = json.loads(manifest.read_text(encoding="utf-8"))
    entries = [e for e in listing["reports"] if not kind or e["kind"] == kind]
    if open_key:
        if listing.get("index"):
            entries = [{"kind": "index", "key": "index", "title": listing["index"]["title"],
                        "html": listing["index"]["html"], "pdf": None}, *entries]
        chosen = [e for e in entries if open_key in (e["key"], e["kind"])] or \
                 [e for e in entries if open_key in e["title"]]
        if len(chosen) != 1:
            _fail(f"“{open_key}”匹配到 {len(chosen)} 份报告, 请用代码指定 / matches {len(chosen)} documents", 2)
        path = folder / (chosen[0]["html"] if html or not chosen[0]["pdf"] else chosen[0]["pdf"])
        typer.echo(str(path))
        if not webbrowser.open(path.as_uri()):
            _fail("没有可用的浏览器或阅读器, 请直接打开上面的文件 / no viewer found; open the file above", 1)
        return
    table = Table(title=f"{year} 年度报告 / reports ({folder})")
    for header in ("类型 / kind", "代码 / key", "标题 / title", "文件 / file", "来自运行 / run"):
        table.add_column(header)
    index = listing.get("index")
    if index and not kind:
        table.add_row("index", "index", index["title"], index["html"], "")
    for e in entries:
        table.add_row(e["kind"], e["key"], e["title"], e["pdf"] or e["html"], e.get("run_id", ""))
    _console().print(table)


from flows.portal.cli import register as _register_portal  # noqa: E402  (after the helpers it takes)

_register_portal(app, HomeOpt, DataOpt, _set_home)

if __name__ == "__main__":
    app()
