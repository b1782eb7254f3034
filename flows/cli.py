"""`ecoassess`: the command line of the evaluation office (Chinese first, English alongside).

Exit codes: 0 success; 1 the run failed; 2 wrong usage or configuration; 3 another run holds the home.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="生态文明建设目标评价考核 / ecological-civilization annual assessment.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

HomeOpt = typer.Option(None, "--home", help="运行目录(默认 var/ 或 $ECOASSESS_HOME) / runtime home")
DataOpt = typer.Option(None, "--data", help="配置目录(默认项目 data/ 或 $ECOASSESS_DATA), 如 `ecoassess demo "
                                            "--regions` 生成的虚构辖区 / configuration folder")


def _set_home(home: Optional[Path], data: Optional[Path] = None) -> None:
    if home:
        os.environ["ECOASSESS_HOME"] = str(home.resolve())
    if data:
        os.environ["ECOASSESS_DATA"] = str(data.resolve())


@app.command()
def run(year: int = typer.Option(2025, help="考核年度 / assessment year"),
        framework: str = typer.Option("ganzhou_2024", help="指标体系 / framework id (data/frameworks/*.yaml)"),
        inbox: Optional[Path] = typer.Option(None, help="报送收件箱 <年>/<部门>/<文件> / submissions inbox"),
        demo: bool = typer.Option(False, "--demo", help="使用内置演示数据 / use the embedded demo inbox"),
        pdf: bool = typer.Option(True, help="同时生成 PDF / also render PDF"),
        home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """运行年度评价考核 / run the annual assessment.

    例 / example: ecoassess run --year 2025 --demo
    """
    _set_home(home, data)
    from flows.annual_assessment import DEMO_INBOX, annual_assessment
    from transforms.config import ConfigError
    from transforms.pipeline import ReportOutputError, RunLocked

    chosen = DEMO_INBOX if demo else inbox
    try:
        out = annual_assessment(year=year, framework=framework, inbox=str(chosen) if chosen else None, pdf=pdf)
    except RunLocked as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3)
    except ReportOutputError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2)
    typer.echo(f"运行完成 / run {out['run_id']} succeeded")
    typer.echo("等级分布 / grades: " + ", ".join(f"{g} {n}" for g, n in out["grades"].items()))
    for name, rules in out["vetoed"].items():
        typer.echo(f"一票否决 / veto: {name}: {'、'.join(rules)}")
    rejected = [v for v in out["validation"] if v["状态"] == "rejected"]
    typer.echo(f"报送文件 / submissions: {len(out['validation'])}, 退回 / rejected: {len(rejected)}")
    for d in out["validation_by_department"]:
        if d["结论"] != "通过":
            typer.echo(f"审核 / validation: {d['部门']}: {d['结论']} (警告 {d['采用版本警告']}, 退回 {d['退回']})")
    typer.echo(f"报告 / documents rendered this run: {out['rendered']}"
               + (f" (输入未变, 沿用运行 {out['scored_run_id']} 的结果 / inputs unchanged)"
                  if out["scored_run_id"] != out["run_id"] else ""))
    typer.echo(f"报告目录 / reports: {out['reports']}")
    typer.echo(f"目录页 / index: {Path(out['reports']) / 'index.html'}")
    typer.echo(f"清单 / manifest: {Path(out['reports']) / 'manifest.json'}")


@app.command()
def revalidate(department: str = typer.Argument(..., help="部门代码或名称 / department"),
               year: int = typer.Option(2025, help="报送年度 / year"),
               framework: str = typer.Option("ganzhou_2024", help="指标体系 / framework id"),
               inbox: Optional[Path] = typer.Option(None, help="报送收件箱 / submissions inbox"),
               home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """部门重新报送后只审核该部门 / validate one department's new files after a resubmission.

    例 / example: ecoassess revalidate 市林业局 --year 2025 --inbox /mnt/share/考核报送
    """
    _set_home(home, data)
    from flows.annual_assessment import revalidate_department

    outcomes = revalidate_department(department=department, year=year, framework=framework,
                                     inbox=str(inbox) if inbox else None)
    if not outcomes:
        typer.echo("没有新的报送文件 / no new files")
    for o in outcomes:
        typer.echo(f"{o['file_name']} 第 {o['version']} 版: {o['status']} (错误 {o['errors']}, 警告 {o['warnings']})")
    raise typer.Exit(1 if any(o["status"] == "rejected" for o in outcomes) else 0)


@app.command()
def rerender(year: int = typer.Option(2025, help="考核年度 / year"),
             framework: str = typer.Option("ganzhou_2024", help="指标体系 / framework id"),
             pdf: bool = typer.Option(True, help="同时生成 PDF / also render PDF"),
             home: Optional[Path] = HomeOpt) -> None:
    """按最近一次成功运行重新生成报告 / re-render the year's reports from its latest run."""
    _set_home(home)
    from flows.annual_assessment import rerender as rerender_flow
    from transforms.pipeline import ReportOutputError, RunLocked

    try:
        out = rerender_flow(year=year, framework=framework, pdf=pdf)
    except (RunLocked, ReportOutputError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3 if isinstance(exc, RunLocked) else 1)
    typer.echo(f"重新生成 / rendered {out['rendered']} of {out['documents']}: {out['manifest']}")


@app.command()
def demo(out: Path = typer.Option(Path("data/demo/inbox"), help="输出目录 / output inbox folder (with --regions: "
                                                                 "an empty folder for data/ and inbox/)"),
         years: str = typer.Option("2021,2022,2023,2024,2025", help="年度, 逗号分隔 / years, comma separated"),
         seed: int = typer.Option(20250101, help="随机种子 / random seed"),
         framework: str = typer.Option("ganzhou_2024", help="指标体系, 逗号分隔 / framework id(s)"),
         defect_rate: float = typer.Option(0.0, "--defect-rate", min=0.0, max=1.0,
                                           help="含故意缺陷的文件比例 / share of files with deliberate defects"),
         regions: int = typer.Option(0, help="虚构县的数量(0 = 赣州演示辖区) / synthetic counties (0 = the demo "
                                             "jurisdiction)"),
         departments: int = typer.Option(20, help="虚构辖区的部门数 / departments of a synthetic jurisdiction")) -> None:
    """生成演示报送数据(虚构) / write the synthetic demo submissions.

    例 / examples: ecoassess demo --out /tmp/inbox --years 2023,2024,2025 --defect-rate 0.2;
    ecoassess demo --regions 2850 --out /tmp/national (然后 / then: ECOASSESS_DATA=/tmp/national/data
    ecoassess run --framework synthetic --inbox /tmp/national/inbox)
    """
    from transforms.config import framework_path, load_framework
    from transforms.demo import write_demo_inbox
    from transforms.synthetic import write_synthetic_dataset

    year_list = [int(y) for y in years.split(",")]
    frameworks = [f.strip() for f in framework.split(",") if f.strip()]
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
             year: int = typer.Option(2025, help="报送年度 / year"),
             framework: str = typer.Option("ganzhou_2024", help="指标体系 / framework id"),
             report: Optional[Path] = typer.Option(None, help="审核报告输出目录(JSON、HTML、标注副本) / folder for the "
                                                                "JSON and HTML reports and the annotated workbook"),
             home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """报送前自查, 规则与正式审核相同 / check a file before sending it, with the run's rules.

    与上年比较用运行目录中已审核的数据(复制一份, 不改动原数据) / the comparison with last year uses a
    copy of the accepted data in the runtime home, which is never changed.

    退出码 / exit status: 0 通过(可有警告) / passed; 1 有错误 / errors found; 2 用法错误 / usage.

    例 / example: ecoassess validate 林业局_2025.xlsx -d 市林业局 --year 2025
    """
    import hashlib
    import shutil
    import tempfile

    _set_home(None, data)
    from expectations.steward import steward_report, steward_text, write_steward_reports
    from expectations.validate import validate_submission
    from transforms.config import framework_path, load_departments, load_framework
    from transforms.home import PROJECT_DIR, Home
    from transforms.intake import load_units, parse_received, receive_file, resolve_department
    from transforms.pipeline import warehouse
    from transforms.warehouse import load_config, rows

    dept = resolve_department(department, load_departments())
    if dept is None:
        typer.echo(f"未知部门 {department!r} / unknown department", err=True)
        raise typer.Exit(2)
    fw_path = framework_path(framework)
    fw = load_framework(fw_path)
    office = (home or Path(os.environ.get("ECOASSESS_HOME") or PROJECT_DIR / "var")).resolve() / "warehouse.duckdb"
    raw = file.read_bytes()
    with tempfile.TemporaryDirectory(prefix="ecoassess-validate-") as tmp:
        scratch = Home.resolve(tmp)  # checking a file never touches the office's data: work on a copy
        for path in (office, office.with_name(office.name + ".wal")):
            if path.exists():
                shutil.copy2(path, scratch.root / path.name)
        with warehouse(scratch) as con:
            load_config(con, fw, fw_path)
            # the same bytes already received: check them afresh in the copy
            con.execute("DELETE FROM submission WHERE sha256 = ? AND department = ? AND year = ?",
                        [hashlib.sha256(raw).hexdigest(), dept.code, year])
            last = rows(con, "SELECT max(year) FROM current_submission WHERE department = ? AND year < ?",
                        [dept.code, year])[0][0]
            sid = receive_file(con, scratch, raw, file.name, dept.code, year).submission_id
            if sid in parse_received(con, scratch, fw, load_units()):
                validate_submission(con, scratch, fw, sid)
            out = scratch.validation_root / str(sid)
            if not (out / "steward.json").exists():  # an unreadable file is rejected before validation
                write_steward_reports(steward_report(con, sid, fw), out, fw.name)
            result = json.loads((out / "steward.json").read_text("utf-8"))
            if report:
                shutil.copytree(out, report, dirs_exist_ok=True)
                if (scratch.root / "validation" / "data_docs").exists():
                    shutil.copytree(scratch.root / "validation" / "data_docs", report / "data_docs", dirs_exist_ok=True)
    typer.echo(steward_text(result))
    typer.echo(f"与上年比较 / compared with: {last} 年已审核数据 ({office})" if last else
               f"未找到 {year} 年以前已审核的数据, 未与上年比较 / no accepted earlier year in {office}")
    if report:
        typer.echo(f"审核报告 / reports: {report / 'steward.html'}, {report / 'steward.json'}")
        if result.get("annotated_workbook"):
            typer.echo(f"标注副本 / annotated workbook: {report / result['annotated_workbook']}")
        typer.echo(f"GX Data Docs(离线无样式 / unstyled offline): {report / 'data_docs' / 'index.html'}")
    elif result.get("annotated_workbook"):
        typer.echo("加 --report <目录> 可得到标注副本和 HTML 报告 / add --report DIR for the annotated workbook")
    raise typer.Exit(0 if result["status"] == "accepted" else 1)


@app.command()
def template(department: str = typer.Argument(..., help="部门代码或名称, 如 lyj 或 市林业局 / department"),
             year: int = typer.Option(2025, help="填报年度 / year"),
             framework: str = typer.Option("ganzhou_2024", help="指标体系 / framework id"),
             out: Optional[Path] = typer.Option(None, help="输出文件 / output .xlsx"),
             home: Optional[Path] = HomeOpt, data: Optional[Path] = DataOpt) -> None:
    """生成部门填报模板(Excel) / write a department's Excel template.

    例 / example: ecoassess template 市林业局 --year 2025 --out 林业局_2025.xlsx
    """
    _set_home(home, data)
    from transforms.config import framework_path, load_departments, load_framework
    from transforms.home import Home
    from transforms.intake import resolve_department
    from transforms.pipeline import warehouse
    from transforms.templates import write_template
    from transforms.warehouse import load_config

    dept = resolve_department(department, load_departments())
    if dept is None:
        typer.echo(f"未知部门 {department!r} / unknown department", err=True)
        raise typer.Exit(2)
    fw_path = framework_path(framework)
    fw = load_framework(fw_path)
    target = out or Path(f"{dept.name}_{year}年考核数据填报模板.xlsx")
    with warehouse(Home.resolve()) as con:
        load_config(con, fw, fw_path)
        write_template(con, fw, dept.code, year, target)
    typer.echo(f"已生成模板 / template written: {target}")


@app.command()
def status(home: Optional[Path] = HomeOpt, limit: int = typer.Option(10, help="显示条数 / rows")) -> None:
    """查看运行历史 / show the run history."""
    _set_home(home)
    from transforms.home import Home
    from transforms.pipeline import warehouse
    from transforms.warehouse import rows

    with warehouse(Home.resolve()) as con:
        runs = rows(con, "SELECT run_id, year, framework_id, status, started_at, finished_at, stage_timings "
                         "FROM run ORDER BY started_at DESC LIMIT ?", [limit])
    if not runs:
        typer.echo("尚无运行记录 / no runs yet")
    for r in runs:
        typer.echo(f"{r[0]}  {r[1]}  {r[2]}  {r[3]}  {r[4]:%Y-%m-%d %H:%M:%S}  {r[6] or ''}")


@app.command()
def submissions(year: Optional[int] = typer.Option(None, help="报送年度 / year"),
                department: Optional[str] = typer.Option(None, "--department", "-d",
                                                          help="部门代码或名称 / department"),
                home: Optional[Path] = HomeOpt) -> None:
    """查看报送文件的全部版本及来源 / list every received file: version, sha256, time, status, current.

    例 / example: ecoassess submissions --year 2025 -d 市林业局
    """
    _set_home(home)
    from transforms.config import load_departments
    from transforms.home import Home
    from transforms.intake import resolve_department, submission_history
    from transforms.pipeline import warehouse

    code = None
    if department:
        dept = resolve_department(department, load_departments())
        code = dept.code if dept else department
    with warehouse(Home.resolve()) as con:
        history = submission_history(con, year, code)
    if history.height == 0:
        typer.echo("没有报送记录 / no submissions")
    for r in history.iter_rows(named=True):
        typer.echo(f"{'*' if r['is_current'] else ' '} {r['year']} {r['department_name']:<8} {r['kind'] or '-':<10} "
                   f"第 {r['version'] or '-'} 版  {r['status']:<8} {r['received_at']:%Y-%m-%d %H:%M:%S}  "
                   f"sha256 {r['sha256'][:12]}  {r['file_name']}  → {r['archive_path']}")
    typer.echo("* = 当前采用的版本 / current data")


@app.command()
def reports(year: int = typer.Option(2025, help="考核年度 / year"), home: Optional[Path] = HomeOpt) -> None:
    """列出已生成的报告 / list the reports of a year."""
    _set_home(home)
    from transforms.home import Home

    manifest = Home.resolve().reports(year) / "manifest.json"
    if not manifest.exists():
        typer.echo(f"未找到 {manifest} / no reports for {year}", err=True)
        raise typer.Exit(2)
    listing = json.loads(manifest.read_text(encoding="utf-8"))
    if listing.get("index"):
        typer.echo(f"{'index':8} {'index':10} {listing['index']['title']}  {listing['index']['html']}")
    for e in listing["reports"]:
        typer.echo(f"{e['kind']:8} {e['key']:10} {e['title']}  {e['pdf'] or e['html']}")


if __name__ == "__main__":
    app()
