"""Receiving submissions: pull from the inbox, archive unchanged, version, parse into the warehouse.

The inbox is a folder (in practice a network share) laid out `<year>/<department>/<file>`.
Pulling is safe to repeat: a file is identified by its bytes (sha256) per department and year,
so the same bytes are recognised and never stored twice, and a new file is a new version.
Archive names are derived from the hash, never taken from outside, so a hostile file name can
not choose a path. Every received file is archived before anything else happens to it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, Iterator

import duckdb
import polars as pl
import yaml

from transforms.config.framework import ConfigError, Department, Framework, data_dir, load_departments
from transforms.intake import guards
from transforms.intake.parse import ParsedSubmission, ParseError, Problem, normalize_unit, parse_submission
from transforms.runtime.home import CHUNK, Home, private_dir, write_atomically
from transforms.runtime.sql import registered, statement, transaction
from transforms.runtime.warehouse import rows

ARCHIVE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Received:
    submission_id: int
    department: str
    year: int
    file_name: str
    version: int | None  # assigned per (department, year, kind) once parsed
    duplicate: bool


def load_units(data: Path | None = None) -> dict[tuple[str, str], float]:
    """Every conversion `units.yaml` implies: the listed ones, their inverses and their chains
    (亩 → 公顷 and 公顷 → 万公顷 give 亩 → 万公顷). Factors are exact fractions until the end, and
    two routes that disagree are a configuration error naming both."""
    path = (data or data_dir()) / "units.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = doc["conversions"]
        edges: dict[tuple[str, str], Fraction] = {}
        for n, c in enumerate(entries):
            where = f"conversions[{n}] ({c.get('from')} → {c.get('to')})" if isinstance(c, dict) else f"conversions[{n}]"
            if not isinstance(c, dict) or set(c) != {"from", "to", "factor"}:
                raise ConfigError(f"单位换算配置有误 / invalid {path}: 条目 {where}: 须有且只有 from、to、factor")
            src, dst = normalize_unit(str(c["from"])), normalize_unit(str(c["to"]))
            try:
                factor = Fraction(str(c["factor"]))
            except (ValueError, ZeroDivisionError):
                raise ConfigError(f"单位换算配置有误 / invalid {path}: 条目 {where}: factor {c['factor']!r} 不是数") from None
            if factor <= 0 or src == dst:
                raise ConfigError(f"单位换算配置有误 / invalid {path}: 条目 {where}: factor 须为正数且两单位不同")
            for key, f in (((src, dst), factor), ((dst, src), 1 / factor)):
                if edges.setdefault(key, f) != f:
                    raise ConfigError(f"单位换算配置有误 / invalid {path}: 条目 {where} 与前面的换算矛盾")
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"无法读取单位换算配置 / cannot read {path}: {exc}") from None
    closure = dict(edges)
    changed = True
    while changed:  # a few dozen units: a plain fixpoint is clearer than anything smarter
        changed = False
        for (a, b), f in list(closure.items()):
            for (c, d), g in list(closure.items()):
                if b == c and a != d:
                    if (a, d) not in closure:
                        closure[(a, d)] = f * g
                        changed = True
                    elif closure[(a, d)] != f * g:
                        raise ConfigError(f"单位换算配置有误 / invalid {path}: {a} → {d} 经不同换算路径得到不同系数 "
                                          f"({float(closure[(a, d)]):g} 与 {float(f * g):g})")
    return {key: float(f) for key, f in closure.items()}


def resolve_department(folder: str, departments: list[Department]) -> Department | None:
    return next((d for d in departments if folder in (d.code, d.name)), None)


def receive_file(con: duckdb.DuckDBPyConnection, home: Home, raw: bytes | BinaryIO, file_name: str, department: str,
                 year: int, source_path: str = "", status: str = "received", message: str | None = None
                 ) -> Received:
    """Archive one file and record it as a submission version (or recognise it as already held).
    `raw`: the bytes, or a binary file open for reading, read in chunks (twice for a new file: to
    hash it, then to copy and hash it again), so a file of any size is never held whole."""
    stream = io.BytesIO(raw) if isinstance(raw, (bytes, bytearray)) else raw
    stream.seek(0)
    sha = hashlib.file_digest(stream, "sha256").hexdigest()
    held = _held(con, department, year, sha, file_name)
    if held:
        return held
    suffix = Path(file_name).suffix.lower()
    suffix = suffix if suffix in ARCHIVE_SUFFIXES else ".bin"
    safe_dept = department if department.isascii() and department.isalnum() else \
        hashlib.sha1(department.encode()).hexdigest()[:8]
    sid = rows(con, "SELECT nextval('submission_id_seq')")[0][0]
    folder = private_dir(private_dir(home.archive / str(year)) / safe_dept)
    archive_path = folder / f"{sid:06d}-{sha[:16]}{suffix}"
    copied = hashlib.sha256()
    stream.seek(0)
    size = write_atomically(archive_path, _chunks(stream, copied), durable=True)
    if copied.hexdigest() != sha:  # changed while read (still being copied onto the share): the archive is the truth
        sha = copied.hexdigest()
        held = _held(con, department, year, sha, file_name)
        if held:
            archive_path.unlink()
            return held
        archive_path = archive_path.rename(folder / f"{sid:06d}-{sha[:16]}{suffix}")
    con.execute(statement("intake/record_submission"), {
        "sid": sid, "department": department, "year": year, "file_name": file_name, "source_path": source_path,
        "sha256": sha, "size": size, "received_at": datetime.now(), "status": status,
        "archive_path": str(archive_path.relative_to(home.root)), "message": message})
    return Received(sid, department, year, file_name, None, duplicate=False)


def _held(con: duckdb.DuckDBPyConnection, department: str, year: int, sha: str, file_name: str) -> Received | None:
    """The submission already holding these bytes (a file is identified by its hash per department and year)."""
    known = rows(con, "SELECT submission_id, version FROM submission WHERE department = ? AND year = ? AND sha256 = ?",
                 [department, year, sha])
    return Received(known[0][0], department, year, file_name, known[0][1], duplicate=True) if known else None


def _chunks(stream: BinaryIO, digest) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        yield chunk


def pull_inbox(con: duckdb.DuckDBPyConnection, home: Home, inbox: Path, departments: list[Department],
               years: set[int] | None = None) -> list[Received]:
    """Receive every file under `inbox/<year>/<department>/`; repeatable without effect. Each file
    is opened once, without following a link (one may have replaced the file since the folder was
    listed), and read in chunks whatever its size: a file too large to parse is still archived,
    and refused by `parse_received` without being read."""
    received: list[Received] = []
    for year_dir in sorted(p for p in inbox.iterdir() if p.is_dir() and not p.is_symlink() and p.name.isdigit()):
        year = int(year_dir.name)
        if years is not None and year not in years:
            continue
        for dept_dir in sorted(p for p in year_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            dept = resolve_department(dept_dir.name, departments)
            for path in _delivered(dept_dir):
                try:  # O_NONBLOCK: a named pipe put there must not hang the run (it is then skipped as not a file)
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                except OSError:  # removed, or replaced by a link, since listed
                    continue
                with os.fdopen(fd, "rb") as fh:
                    if not stat.S_ISREG(os.fstat(fd).st_mode):
                        continue
                    if dept is None:
                        received.append(receive_file(
                            con, home, fh, path.name, dept_dir.name, year, str(path), status="rejected",
                            message=f"文件夹“{dept_dir.name}”不是已登记的报送部门, 文件已存档但不予受理。"))
                    else:
                        received.append(receive_file(con, home, fh, path.name, dept.code, year, str(path)))
    return received


def _delivered(folder: Path) -> list[Path]:
    """The files of one department folder in delivery order (modification time, then name), so a
    correction saved after the original becomes the newer version whatever it is called. Symbolic
    links are not followed: a link on the share must not make the run archive a file from elsewhere."""
    files = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and not p.name.startswith((".", "~$"))]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _store_problems(con: duckdb.DuckDBPyConnection, sid: int, problems: list[Problem]) -> None:
    """Parse findings as validation results; each names its cell (row, column) and the text found."""
    if not problems:
        return
    found = pl.DataFrame([{
        "submission_id": sid, "rule_id": p.rule_id, "column_name": p.column, "severity": p.severity,
        "message": p.message, "expected": p.expected, "fix": p.fix,
        "failures": json.dumps([{"row": p.row, "region_code": None, "region_name": None, "indicator": None,
                                 "value": p.found, "column": p.column, "note": None}]
                               if p.row is not None or p.column is not None else [], ensure_ascii=False)}
        for p in problems], schema={"submission_id": pl.Int32, "rule_id": pl.String, "column_name": pl.String,
                                    "severity": pl.String, "message": pl.String, "expected": pl.String,
                                    "fix": pl.String, "failures": pl.String})
    with registered(con, problems=found):
        con.execute(statement("intake/store_problems"))


def _next_version(con: duckdb.DuckDBPyConnection, sid: int, kind: str) -> int:
    """Versions count per (department, year, kind): the 2nd indicator file of a year is version 2."""
    return con.execute(statement("intake/next_version"), {"sid": sid, "kind": kind}).fetchone()[0]


def _sheet_rule(department: str, departments: dict[str, Department]) -> tuple[str | None, tuple[str, ...]]:
    """The department's configured data sheet, and the names a data sheet of its may carry."""
    dept = departments.get(department)
    if dept is None:
        return None, (department,)
    return dept.sheet, (dept.name, dept.name.removeprefix("市"), dept.code)


def parse_received(con: duckdb.DuckDBPyConnection, home: Home, fw: Framework,
                   units: dict[tuple[str, str], float], departments: list[Department] | None = None) -> list[int]:
    """Parse every submission still `received` into observations/events/tenures (one transaction each)."""
    by_code = {d.code: d for d in (departments if departments is not None else load_departments())}
    pending = rows(con, statement("intake/pending_files"))
    parsed_ids = []
    for sid, file_name, archive_path, year, department in pending:
        with transaction(con):
            try:
                stored = home.root / archive_path
                refused = guards.size_refusal(stored.stat().st_size, file_name)  # before reading a byte of it
                if refused:
                    raise ParseError(refused[1], refused[0])
                sheet, prefer = _sheet_rule(department, by_code)
                parsed = parse_submission(stored.read_bytes(), file_name, fw, units, sheet, prefer, year=year)
            except ParseError as exc:
                con.execute(statement("intake/mark_unreadable"), {
                    "sid": sid, "message": str(exc), "version": _next_version(con, sid, "unreadable")})
                _store_problems(con, sid, [Problem(exc.rule_id, "error", str(exc), fix=exc.fix)])
                continue
            _store_parsed(con, sid, year, parsed, fw)
            parsed_ids.append(sid)
    return parsed_ids


STORE_STEP = {"indicators": "intake/store_observations", "events": "intake/store_events",
              "tenures": "intake/store_tenures"}


def _store_parsed(con: duckdb.DuckDBPyConnection, sid: int, year: int, parsed: ParsedSubmission, fw: Framework
                  ) -> None:
    """One parsed file into the warehouse (inside the caller's transaction)."""
    checked, more = received_problems(con, sid, parsed, fw)  # foreign columns, region code/name, % as fractions
    parsed.problems += more
    with registered(con, parsed=checked.with_columns(pl.lit(sid).alias("submission_id"))):
        con.execute(statement(STORE_STEP[parsed.kind]), {"year": year} if parsed.kind == "indicators" else {})
    _store_problems(con, sid, parsed.problems)
    if parsed.declared:
        con.executemany("INSERT INTO declaration VALUES (?, ?, ?, ?)",
                        [[sid, row, source, text] for row, source, text in parsed.declared])
    if parsed.columns:
        located = pl.DataFrame([{"submission_id": sid, "key": key, "header": header, "letter": letter}
                                for key, (header, letter) in parsed.columns.items()],
                               schema={"submission_id": pl.Int32, "key": pl.String, "header": pl.String,
                                       "letter": pl.String})
        with registered(con, located=located):
            con.execute(statement("intake/store_columns"))
    if parsed.signatures:
        signed = pl.DataFrame([{"submission_id": sid, "row_number": row, "role": role, "text": text}
                               for row, role, text in parsed.signatures],
                              schema={"submission_id": pl.Int32, "row_number": pl.Int32, "role": pl.String,
                                      "text": pl.String})
        with registered(con, signed=signed):
            con.execute(statement("intake/store_signatures"))
    con.execute(statement("intake/mark_parsed"), {
        "sid": sid, "kind": parsed.kind, "encoding": parsed.encoding, "sheet": parsed.sheet,
        "header_row": parsed.header_row, "sheet_reason": parsed.sheet_reason,
        "version": _next_version(con, sid, parsed.kind), "status": "received"})


def submission_history(con: duckdb.DuckDBPyConnection, year: int | None = None,
                       department: str | None = None) -> pl.DataFrame:
    """Every received file, oldest first per (department, year, kind), with its version, hash,
    time of receipt, status and whether it is the current data: the provenance an auditor asks for."""
    return con.sql(statement("intake/submission_history"), params={"year": year, "department": department}).pl()


def received_problems(con: duckdb.DuckDBPyConnection, sid: int, parsed, framework) -> tuple[pl.DataFrame, list]:
    """What a parsed file holds that contradicts where it was sent. Returns the frame to
    store (observations of another department's indicators are dropped: each indicator has one
    responsible department, and a second source would be counted twice) and the problems."""
    department = con.execute("SELECT department FROM submission WHERE submission_id = ?", [sid]).fetchone()[0]
    names = dict(con.execute("SELECT code, name FROM department").fetchall())
    own_name = names.get(department, department)
    problems = _code_name_problems(con, parsed)  # the title's year and department: declaration.* rules (contracts)
    frame = parsed.frame
    if parsed.kind != "indicators" or frame.is_empty():
        return frame, problems
    owner = {i.code: i for i in framework.reported_items}
    foreign = sorted({c for c in frame["indicator_code"].unique().to_list() if c and owner[c].department != department})
    for code in foreign:
        ind = owner[code]
        problems.append(Problem("columns.foreign", "warning",
                                f"指标“{ind.name}({ind.unit})”由{names.get(ind.department, ind.department)}负责报送, "
                                f"本文件中的该指标数据已忽略。", parsed.header_row, ind.name,
                                f"{own_name}负责的指标", "删除该列(行), 或请负责部门报送"))
    frame = frame.filter(~pl.col("indicator_code").is_in(foreign))
    regions = con.execute("SELECT name FROM region WHERE level = 'county'").fetchall()
    known = {r[0] for r in regions}
    unknown = frame.filter(pl.col("region_code").is_null() & pl.col("region_name").is_not_null()
                           & ~pl.col("region_name").is_in(list(known))).unique("row", maintain_order=True)
    for r in unknown.iter_rows(named=True):
        problems.append(Problem("region.name_known", "error",
                                f"第 {r['row']} 行的县(市、区)名称“{r['region_name']}”不是本辖区的县(市、区)。", r["row"],
                                r["region_name"], "本辖区县(市、区)的规范名称, 或填写行政区划代码",
                                "核对名称(如“章贡区”不写作“章贡”), 或增加“行政区划代码”列"))
    return frame, problems


def _code_name_problems(con: duckdb.DuckDBPyConnection, parsed: ParsedSubmission) -> list[Problem]:
    """A row whose region code names another county than its name column (a row pasted from another
    county, a code column shifted against the names): refused naming both, never settled by the code."""
    if not {"region_code", "region_name"} <= set(parsed.columns) or parsed.frame.is_empty():
        return []
    regions = pl.DataFrame(rows(con, "SELECT region_code, name FROM region"), schema=["region_code", "code_name"],
                           orient="row")
    pairs = parsed.frame.select("row", "region_code", "region_name").unique("row", maintain_order=True) \
        .drop_nulls(["region_code", "region_name"]).join(regions, on="region_code", how="inner") \
        .filter(pl.col("region_name").str.replace_all(r"\s", "") != pl.col("code_name"))
    code_hdr, code_col = parsed.columns["region_code"]
    name_hdr, name_col = parsed.columns["region_name"]
    where = f"文件 {parsed.file_name}" + (f" 工作表“{parsed.sheet}”" if parsed.sheet else "")
    return [Problem("region.code_name_mismatch", "error",
                    f"{where} 第 {r['row']} 行: {code_col} 列“{code_hdr}”为“{r['region_code']}”({r['code_name']}), "
                    f"但 {name_col} 列“{name_hdr}”为“{r['region_name']}”, 代码与名称不是同一个县(市、区)。",
                    r["row"], code_hdr, "同一行的行政区划代码与县(市、区)名称一致",
                    "核对该行是否从其他县(市、区)复制而来, 或代码列是否错位; 改正代码或名称后重新报送",
                    f"{r['region_code']} / {r['region_name']}")
            for r in pairs.sort("row").iter_rows(named=True)]
