"""Hand-written data contracts: what a department's columns alone cannot say.

Each contract is a Great Expectations suite run on a frame derived in DuckDB from the
submission (and, for plausibility, from the department's last accepted year):

- relations: cross-field rules declared in the framework (`checks.relations`), one row per
  county with both sides computed: 优良天数 ≤ 有效监测天数 ≤ days of the year, shares of one
  whole summing to at most 100, a sub-area not larger than its area;
- plausibility: the change from the last accepted value beyond the item's bound
  (`checks.plausibility`, per item with a default) is a warning;
- duplicates: two counties with the same full row of values, a county whose values are all
  exactly last year's (copy-paste slips) are warnings;
- declaration: the year and department a file declares (title rows, 年度/填报单位 cells) must be
  those of the inbox folder it came in (an error: it is another year's or department's file).

Every check returns its suite, its frame (with `_key` identifying rows) and a function turning a
failed expectation into the steward's rows: file row, county, indicator, value as submitted.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Callable

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import polars as pl

from expectations.suites import ERROR, WARNING, _meta
from transforms.config.framework import DAYS_IN_YEAR, EXPRESSION_TOKEN, ChangeBound, Framework, expression_names
from transforms.runtime.sql import registered, statement
from transforms.runtime.warehouse import frame

MIN_ITEMS_FOR_DUPLICATES = 3  # with one or two items (often 100 %) equal rows are normal


@dataclass
class Check:
    suite: gx.ExpectationSuite
    data: pl.DataFrame  # what GX validates; `_key` names its rows
    failures: Callable[[dict, pl.DataFrame], list[dict]]  # failed GX result -> steward rows


def _failed_keys(res: dict, data: pl.DataFrame) -> pl.DataFrame:
    keys = [int(i["_key"]) for i in (res.get("result") or {}).get("unexpected_index_list") or []]
    return data.filter(pl.col("_key").is_in(keys)).sort("_key")


def _sql(expression: str, days: int) -> str:
    """A validated relation expression as DuckDB SQL over the pivoted item columns."""
    out = []
    for m in EXPRESSION_TOKEN.finditer(expression):
        name, number, op = m.group("name"), m.group("number"), m.group("op")
        out.append(str(days) if name == DAYS_IN_YEAR else f'"{name}"' if name else number or op)
    return " ".join(out)


def _words(expression: str, names: dict[str, str]) -> str:
    """`EQ03 + SD03` -> `达到或好于Ⅲ类水体比例 + 劣Ⅴ类水体比例` for the steward."""
    return re.sub(r"[A-Za-z_][A-Za-z0-9_]*",
                  lambda m: "当年天数" if m.group(0) == DAYS_IN_YEAR else names.get(m.group(0), m.group(0)), expression)


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:,.4f}".rstrip("0").rstrip(".")


def _cells(con: duckdb.DuckDBPyConnection, sid: int, pairs: list[tuple[str, str]], note: dict[str, str],
           region_names: dict[str, str]) -> list[dict]:
    """Steward rows for (county, item) pairs: the observation's file row and value as submitted."""
    if not pairs:
        return []
    wanted = pl.DataFrame(pairs, schema={"region_code": pl.String, "indicator_code": pl.String}, orient="row")
    raw = frame(con, "SELECT row_number, region_code, indicator_code, raw_text FROM observation WHERE submission_id = ?",
                [sid])
    hits = wanted.with_row_index("_order").join(raw, on=["region_code", "indicator_code"], how="left") \
        .sort("_order", "row_number")
    return [{"row": r["row_number"], "region_code": r["region_code"], "region_name": region_names.get(r["region_code"]),
             "indicator": r["indicator_code"], "value": r["raw_text"], "note": note.get(r["region_code"])}
            for r in hits.iter_rows(named=True)]


def relation_check(con: duckdb.DuckDBPyConnection, fw: Framework, sid: int, department: str, year: int,
                   region_names: dict[str, str]) -> Check | None:
    """The framework's cross-field relations among this department's items, one row per county."""
    items = {i.code: i for i in fw.reported_items}
    relations = [r for r in fw.checks.relations
                 if all(items[c].department == department for c in expression_names(r.left) + expression_names(r.right))]
    if not relations:
        return None
    names = {c: i.name for c, i in items.items()}
    days = 366 if calendar.isleap(year) else 365
    codes = sorted({c for r in relations for c in expression_names(r.left) + expression_names(r.right)})
    sides = ", ".join(f"round({_sql(r.left, days)}, 9) AS r{n}_left, round({_sql(r.right, days)}, 9) AS r{n}_right, "
                      f"round(({_sql(r.left, days)}) - ({_sql(r.right, days)}), 9) AS r{n}_gap"
                      for n, r in enumerate(relations))
    pivot_cols = ", ".join(f"max(value) FILTER (indicator_code = '{c}') AS \"{c}\"" for c in codes)
    data = frame(con, statement("contracts/relations").format(pivot_cols=pivot_cols, sides=sides), [sid])
    suite = gx.ExpectationSuite(name=f"{fw.id}.{department}.relations")
    for n, r in enumerate(relations):
        expected = f"{_words(r.left, names)} {r.op.replace('==', '=')} {_words(r.right, names)}" + \
            (f"(允许误差 ±{r.tolerance:g})" if r.op == "==" and r.tolerance else "")
        meta = _meta(f"relation.{r.id}", r.rule, expected, r.fix) | {"relation": n}
        if r.op == "==":
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
                column=f"r{n}_gap", min_value=-r.tolerance, max_value=r.tolerance,
                severity=ERROR if r.severity == "error" else WARNING, meta=meta))
        else:  # A >= B with A the side that must be larger
            big, small = (f"r{n}_right", f"r{n}_left") if r.op == "<=" else (f"r{n}_left", f"r{n}_right")
            suite.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=big, column_B=small, or_equal=True, ignore_row_if="either_value_is_missing",
                severity=ERROR if r.severity == "error" else WARNING, meta=meta))

    def failures(res: dict, data: pl.DataFrame) -> list[dict]:
        n = res["expectation_config"]["meta"]["relation"]
        r = relations[n]
        bad = _failed_keys(res, data)
        note = {row["region_code"]: f"{_words(r.left, names)} = {_num(row[f'r{n}_left'])}, "
                                    f"{_words(r.right, names)} = {_num(row[f'r{n}_right'])}"
                for row in bad.iter_rows(named=True)}
        involved = expression_names(r.left) + expression_names(r.right)
        return _cells(con, sid, [(c, code) for c in bad["region_code"].to_list() for code in dict.fromkeys(involved)],
                      note, region_names)

    return Check(suite, data, failures)


def _bound_text(bound: ChangeBound, unit: str) -> str:
    unit_text = "个百分点" if unit == "%" else unit
    parts = ([f"{bound.absolute:g} {unit_text}"] if bound.absolute else []) + \
            ([f"上年值的 {bound.relative * 100:g}%"] if bound.relative else [])
    return parts[0] if len(parts) == 1 else f"{parts[0]}与{parts[1]}中的较大者"


def plausibility_check(con: duckdb.DuckDBPyConnection, fw: Framework, sid: int, department: str, year: int,
                       region_names: dict[str, str]) -> Check:
    """Each value against the same county's value in the department's last accepted year."""
    own = [i for i in fw.reported_items if i.department == department]
    bounds = pl.DataFrame([{"code": i.code, "absolute": fw.change_bound(i.code).absolute,
                            "relative": fw.change_bound(i.code).relative} for i in own],
                          schema={"code": pl.String, "absolute": pl.Float64, "relative": pl.Float64})
    with registered(con, bounds=bounds):
        data = frame(con, statement("contracts/plausibility"), [department, year, sid])
    suite = gx.ExpectationSuite(name=f"{fw.id}.{department}.plausibility")
    # one expectation over all items (each row carries its own bound): a row condition per item
    # would cost GX a pandas query each
    suite.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="bound", column_B="change", or_equal=True, ignore_row_if="either_value_is_missing",
        severity=WARNING, meta=_meta(
            "plausibility.change", "数值较上一年度已审核数据变化过大",
            "变化不超过该指标的合理变动幅度(见各行说明; 默认为" + _bound_text(fw.checks.plausibility.default, "")
            + ")", "核对数值与计量单位; 数值确实如此的, 请在报送说明中写明原因(警告不影响受理)")))
    units = {i.code: " 个百分点" if i.unit == "%" else f" {i.unit}" for i in own}

    def failures(res: dict, data: pl.DataFrame) -> list[dict]:
        return [{"row": r["row_number"], "region_code": r["region_code"], "region_name": region_names.get(r["region_code"]),
                 "indicator": r["indicator_code"], "value": r["raw_text"],
                 "note": f"{r['previous_year']} 年已审核值 {_num(r['previous'])}, 本次 {_num(r['value'])}, "
                         f"变化 {'+' if r['value'] >= r['previous'] else '−'}{_num(r['change'])}{units[r['indicator_code']]}, "
                         f"允许 ±{_num(r['bound'])}{units[r['indicator_code']]}"}
                for r in _failed_keys(res, data).iter_rows(named=True)]

    return Check(suite, data, failures)


def duplicate_check(con: duckdb.DuckDBPyConnection, fw: Framework, sid: int, department: str, year: int,
                    region_names: dict[str, str]) -> Check:
    """Copy-paste slips: a county's full row equal to another county's, or to its own last year."""
    data = frame(con, statement("contracts/duplicates"), [department, year - 1, sid])
    enough = {"row_condition": f"n_items>={MIN_ITEMS_FOR_DUPLICATES}", "condition_parser": "pandas"}
    suite = gx.ExpectationSuite(name=f"{fw.id}.{department}.duplicates")
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="signature", severity=WARNING, **enough, meta=_meta(
        "duplicate.rows", "两个县(市、区)的全部数值完全相同, 疑似复制粘贴错行", "各县(市、区)分别填报本地数据",
        "核对这些行是否误复制了其他县(市、区)的数据")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="same_as_last_year", value_set=[False], severity=WARNING, **enough, meta=_meta(
            "duplicate.last_year", "全部数值与上一年度已审核数据完全相同, 疑似沿用上年数据", f"{year} 年度的新数据",
            f"确认填写的是 {year} 年度数据")))

    def failures(res: dict, data: pl.DataFrame) -> list[dict]:
        bad = _failed_keys(res, data)
        same = res["expectation_config"]["kwargs"]["column"] == "signature"
        groups = {s: [region_names.get(c, c) for c in g] for s, g in
                  bad.group_by("signature").agg(pl.col("region_code")).iter_rows()} if same else {}
        return [{"row": r["row_number"], "region_code": r["region_code"],
                 "region_name": region_names.get(r["region_code"]), "indicator": None, "value": None,
                 "note": ("与" + "、".join(n for n in groups[r["signature"]] if n != region_names.get(r["region_code"]))
                          + "的数值完全相同") if same else f"{r['n_items']} 项数值均与 {year - 1} 年相同"}
                for r in bad.iter_rows(named=True)]

    return Check(suite, data, failures)


def declaration_check(con: duckdb.DuckDBPyConnection, fw: Framework, sid: int, department: str, year: int
                      ) -> Check:
    """The year and department a file declares must be those of the folder it was sent in.

    A title may name several years (a plan period); it declares the folder's year if that is among
    them, otherwise its first. Likewise for department names."""
    data = frame(con, statement("contracts/declaration"), [sid, year, year, department, department])
    dept_name = (frame(con, "SELECT name FROM department WHERE code = ?", [department])["name"].to_list()
                 or [department])[0]
    suite = gx.ExpectationSuite(name=f"{fw.id}.{department}.declaration")
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="declared_year", value_set=[year], severity=ERROR,
                                                          meta=_meta(
        "declaration.year", "文件声明的年度与报送年度不一致", f"{year} 年度",
        f"确认报送的是 {year} 年度的数据; 是的话改正标题或“年度”列, 否则换成 {year} 年度的文件")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="declared_department", value_set=[department], severity=ERROR, meta=_meta(
            "declaration.department", "文件声明的报送单位与报送文件夹不一致", dept_name,
            f"确认文件来自{dept_name}; 放错文件夹的, 请放入本单位的文件夹重新报送")))
    names = dict(frame(con, "SELECT code, name FROM department").iter_rows())

    def failures(res: dict, data: pl.DataFrame) -> list[dict]:
        col = res["expectation_config"]["kwargs"]["column"]
        return [{"row": r["row_number"], "region_code": None, "region_name": None, "indicator": None,
                 "value": r["text"], "column": None if r["source"] == "标题" else r["source"],
                 "note": (f"{r['source']}声明为 {r['declared_year']} 年度" if col == "declared_year"
                          else f"{r['source']}声明为{names.get(r['declared_department'], r['declared_department'])}")}
                for r in _failed_keys(res, data).iter_rows(named=True)]

    return Check(suite, data, failures)


def contract_checks(con: duckdb.DuckDBPyConnection, fw: Framework, sid: int, kind: str, department: str,
                    year: int, region_names: dict[str, str]) -> list[Check]:
    """The hand-written suites that apply to one submission."""
    checks = [declaration_check(con, fw, sid, department, year)]
    if kind == "indicators":
        relations = relation_check(con, fw, sid, department, year, region_names)
        checks += [c for c in (relations,) if c] + [
            plausibility_check(con, fw, sid, department, year, region_names),
            duplicate_check(con, fw, sid, department, year, region_names)]
    return checks
