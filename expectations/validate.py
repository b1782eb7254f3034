"""Run the suites with Great Expectations and decide: accept, accept with warnings, or reject.

GX validates pandas frames pulled from DuckDB (its SQL datasource returns empty results on
DuckDB, see notes/stack-probe.md §3). Its full result JSON is kept per submission; each failed
expectation becomes steward-readable rows (file, row, county, indicator, value as submitted).
A rejected submission never becomes current, so accepted data cannot change because of it.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from expectations.annotate import annotate_workbook
from expectations.contracts import Check, contract_checks
from expectations.steward import jurisdiction_name, steward_report, write_steward_reports
from expectations.suites import completeness_suite, event_suite, indicator_suite, tenure_suite, with_indicator_columns
from transforms.config.framework import Framework
from transforms.intake.parse import MISSING_TOKENS
from transforms.runtime.home import Home, make_private, private_dir, write_atomically
from transforms.runtime.sql import registered, statement, transaction
from transforms.runtime.warehouse import counties, frame, rows

GX_STORE = "validation/gx_store"  # GX's validation results store, relative to the home
DATA_DOCS = "validation/data_docs"  # GX Data Docs site, relative to the home
DOCS_SITE = "ecoassess"


@dataclass
class Outcome:
    submission_id: int
    department: str
    file_name: str
    version: int
    status: str  # accepted | rejected
    errors: int
    warnings: int


@dataclass(frozen=True)
class _GX:
    context: object
    batch_definition: object


@lru_cache(maxsize=4)
def _gx(root: str) -> _GX:
    """One ephemeral GX context per home and process: a pandas datasource, progress bars off,
    validation results kept in GX's own store under the home, and a Data Docs site beside it."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig

    # GX pins some of its module loggers to INFO (e.g. the ephemeral docs-site notice): quiet them
    for name in [n for n in logging.Logger.manager.loggerDict if n.startswith("great_expectations")]:
        logging.getLogger(name).setLevel(logging.WARNING)
    stores = InMemoryStoreBackendDefaults()
    stores.stores[stores.validation_results_store_name]["store_backend"] = {
        "class_name": "TupleFilesystemStoreBackend", "base_directory": str(Path(root) / GX_STORE)}
    config = DataContextConfig(store_backend_defaults=stores, analytics_enabled=False, data_docs_sites={
        DOCS_SITE: {"class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                      "base_directory": str(Path(root) / DATA_DOCS)}}})
    ctx = gx.get_context(mode="ephemeral", project_config=config)
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("submissions").add_dataframe_asset("submission")
    return _GX(ctx, asset.add_batch_definition_whole_dataframe("whole"))


def run_suite(batch_definition, suite, df: pd.DataFrame, index_column: str = "row_number"):
    """Validate `df` with GX; the result object (its failing rows named by `index_column`).

    Two passes: the suite with GX's BASIC result format (counts and observed values), then each
    failed expectation again with COMPLETE (every failing row). Most expectations pass, and the
    COMPLETE format costs GX several more metrics per expectation."""
    batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
    for e in suite.expectations:  # a suite not stored in a GX context has no ids: name each for the 2nd pass
        e.id = e.id or str(uuid.uuid4())
    result = batch.validate(suite, result_format="BASIC")
    complete = {"result_format": "COMPLETE", "unexpected_index_column_names": [index_column]}
    for n, res in enumerate(result.results):
        if not res.success:
            expectation = next(e for e in suite.expectations if e.id == res.expectation_config.id)
            result.results[n] = batch.validate(expectation, result_format=complete)
    return result


def _store(gx_env: _GX, result, sid: int, batch: str):
    """Keep the result in GX's validation store (under the home) so Data Docs can show it."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier, ValidationResultIdentifier

    key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=result.suite_name),
                                     RunIdentifier(run_name=f"submission-{sid}"), batch)
    gx_env.context.validation_results_store.set(key, result)
    return key


def build_data_docs(home: Home, keys: list) -> Path:
    """Great Expectations' own HTML (Data Docs) for the new results; the index lists all of them.
    It loads its CSS/JS from CDNs, so offline it opens unstyled (the steward HTML is the readable one).
    Called after every validation: it also makes GX's store and site owner+group only."""
    gx_env = _gx(str(home.root))
    if keys:
        gx_env.context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=keys)
    for tree in (GX_STORE, DATA_DOCS):  # GX writes with the process umask: give them the home's modes
        make_private(home.root / tree)
    return home.root / DATA_DOCS / "index.html"


def _frame_for(con: duckdb.DuckDBPyConnection, sid: int, kind: str, jurisdiction: str) -> pl.DataFrame:
    """What the generated suite validates; `region_known`: the code is one of the jurisdiction's counties."""
    p = {"sid": sid, "jurisdiction": jurisdiction}
    if kind == "indicators":
        # one column per indicator is added by `with_indicator_columns` (in `_validate`)
        return frame(con, statement("validation/indicator_rows"), p | {"missing": MISSING_TOKENS})
    if kind == "events":
        return frame(con, statement("validation/event_rows"), p)
    return frame(con, statement("validation/tenure_rows"), [sid])


def _completeness(con: duckdb.DuckDBPyConnection, fw: Framework, sid: int, department: str, codes: list[str],
                  names: dict[str, str]) -> Check:
    """Every (county, indicator) of the department: reported in the file or not."""
    own = [i.code for i in fw.reported_items if i.department == department]
    data = frame(con, statement("validation/completeness"), {"jurisdiction": fw.jurisdiction, "own": own, "sid": sid})
    data = data.with_columns(pl.when(pl.col("indicator_code") == code).then(pl.col("reported")).alias(f"reported:{code}")
                             for code in own)

    def failures(res: dict, data: pl.DataFrame) -> list[dict]:
        keys = [int(i["_key"]) for i in (res.get("result") or {}).get("unexpected_index_list") or []]
        missing = data.filter(pl.col("_key").is_in(keys)).sort("region_code")["region_code"].to_list()
        return [{"row": None, "region_code": c, "region_name": names.get(c),
                 "indicator": res["expectation_config"]["meta"]["indicator"], "value": None, "note": "缺少该县(市、区)"}
                for c in missing]

    return Check(completeness_suite(fw, department, codes), data, failures)


def _failures(con: duckdb.DuckDBPyConnection, sid: int, kind: str, res: dict, names: dict[str, str],
              data: pl.DataFrame) -> list[dict]:
    """The rows a steward must fix: row, county, indicator and the value as submitted."""
    cfg = res["expectation_config"]
    column = cfg["kwargs"].get("column")
    indicator = (cfg.get("meta") or {}).get("indicator")
    detail = res.get("result") or {}
    if cfg["type"] == "expect_column_distinct_values_to_contain_set" and column == "indicator_code":
        missing = sorted(set(cfg["kwargs"]["value_set"]) - set(_present_indicators(con, sid)))
        return [{"row": None, "region_code": None, "region_name": None, "indicator": code, "value": None,
                 "note": "缺少该指标"} for code in missing]
    if cfg["type"] == "expect_column_distinct_values_to_contain_set":
        missing = detail.get("partial_missing_list")
        if missing is None:
            missing = set(cfg["kwargs"]["value_set"]) - set(detail.get("observed_value") or [])
        missing = sorted(missing)
        return [{"row": None, "region_code": c, "region_name": names.get(c), "indicator": indicator,
                 "value": None, "note": "缺少该县(市、区)"} for c in missing]
    index = detail.get("unexpected_index_list") or []
    if not index:
        return []
    found = pl.DataFrame({"row_number": [int(i["row_number"]) for i in index]},
                         schema={"row_number": pl.Int64}).unique(maintain_order=True)
    if kind == "indicators" and indicator:
        raw = frame(con, statement("validation/indicator_cells"), [sid, indicator])
    elif kind == "indicators":
        raw = frame(con, statement("validation/county_rows"), [sid])
    else:  # events and tenures: the offending value, and which event or tenure it is
        col = (cfg.get("meta") or {}).get("column") or column or "row_number"
        raw = data.select("row_number", "region_code", pl.col(col).cast(pl.String).alias("value"),
                          pl.col("label").alias("note")).unique("row_number")
    hits = found.join(raw.with_columns(pl.col("row_number").cast(pl.Int64)),
                      on="row_number", how="left").sort("row_number")
    return [{"row": r["row_number"], "region_code": r["region_code"], "region_name": names.get(r["region_code"]),
             "indicator": indicator, "value": r["value"], "note": r["note"]} for r in hits.iter_rows(named=True)]


def _present_indicators(con: duckdb.DuckDBPyConnection, sid: int) -> list[str]:
    return [r[0] for r in rows(con, "SELECT DISTINCT indicator_code FROM observation WHERE submission_id = ?", [sid])]


def validate_submission(con: duckdb.DuckDBPyConnection, home: Home, fw: Framework, sid: int,
                        build_docs: bool = True) -> Outcome:
    """Run the generated and the hand-written suites on one parsed submission and decide."""
    outcome, keys = _validate(con, home, fw, sid)
    if build_docs:
        build_data_docs(home, keys)
    return outcome


def _validate(con: duckdb.DuckDBPyConnection, home: Home, fw: Framework, sid: int) -> tuple[Outcome, list]:
    department, year, kind, file_name, version, archive_path = rows(con, statement("validation/submission"), [sid])[0]
    county_frame = counties(con, fw.jurisdiction)
    codes = county_frame["region_code"].to_list()
    names = dict(zip(codes, county_frame["name"].to_list()))
    data = _frame_for(con, sid, kind, fw.jurisdiction)
    gx_env = _gx(str(home.root))  # suites need an active GX context to be built
    if kind == "indicators":
        suite = indicator_suite(fw, department, codes)
        data = with_indicator_columns(data, [i.code for i in fw.reported_items if i.department == department])
    elif kind == "events":
        suite = event_suite(fw, codes, year)
    else:
        suite = tenure_suite()
    checks = [Check(suite, data, lambda res, d: _failures(con, sid, kind, res, names, d))]
    if kind == "indicators":
        checks.append(_completeness(con, fw, sid, department, codes, names))
    checks += contract_checks(con, fw, sid, kind, department, year, names)
    records, gx_results, keys = [], [], []
    for check in checks:
        index = "_key" if "_key" in check.data.columns else "row_number"
        result = run_suite(gx_env.batch_definition, check.suite, check.data.to_pandas(), index)
        keys.append(_store(gx_env, result, sid, f"{department}-{year}-{kind}-v{version}"))
        gx_result = result.to_json_dict()
        gx_results.append(gx_result)
        for res in gx_result["results"]:
            cfg = res["expectation_config"]
            meta = cfg.get("meta") or {}
            severity = "error" if cfg.get("severity", "critical") == "critical" else "warning"
            failures = [] if res["success"] else check.failures(res, check.data)
            records.append({"submission_id": sid, "rule_id": meta.get("rule_id"), "expectation_type": cfg["type"],
                            "column_name": meta.get("indicator") or meta.get("column") or cfg["kwargs"].get("column"),
                            "severity": severity, "success": bool(res["success"]),
                            "unexpected_count": len(failures) or int(not res["success"]),
                            "message": meta.get("rule"), "expected": meta.get("expected"), "fix": meta.get("fix"),
                            "failures": json.dumps(failures, ensure_ascii=False, default=str)})
    results = pl.DataFrame(records, schema={"submission_id": pl.Int32, "rule_id": pl.String,
                                            "expectation_type": pl.String, "column_name": pl.String,
                                            "severity": pl.String, "success": pl.Boolean,
                                            "unexpected_count": pl.Int32, "message": pl.String,
                                            "expected": pl.String, "fix": pl.String,
                                            "failures": pl.String})
    runs = pl.DataFrame([{"submission_id": sid, "suite_name": r["suite_name"], "success": r["success"],
                          "gx_result": json.dumps(r, ensure_ascii=False, default=str)} for r in gx_results])
    parse_errors, parse_warnings = rows(con, statement("validation/parse_problems"), [sid])[0]
    errors = parse_errors + results.filter(~pl.col("success") & (pl.col("severity") == "error")).height
    warnings = parse_warnings + results.filter(~pl.col("success") & (pl.col("severity") == "warning")).height
    status = "rejected" if errors else "accepted"
    with transaction(con), registered(con, results=results, runs=runs):
        con.execute("DELETE FROM validation_result WHERE submission_id = ? AND expectation_type <> 'parse'", [sid])
        con.execute("INSERT INTO validation_result BY NAME SELECT * FROM results")
        con.execute("INSERT INTO validation_run SELECT submission_id, suite_name, success, now(), gx_result FROM runs")
        con.execute("UPDATE submission SET status = ?, message = ? WHERE submission_id = ?",
                    [status, f"{errors} 项错误, {warnings} 项警告", sid])
    out = private_dir(home.validation_root / str(sid))
    write_atomically(out / "gx_result.json", json.dumps(
        {"success": all(r["success"] for r in gx_results), "suites": gx_results},
        ensure_ascii=False, indent=1, default=str).encode("utf-8"))
    report = steward_report(con, sid, fw)
    workbook = annotate_workbook((home.root / archive_path).read_bytes(), file_name, report, fw, out)
    report["annotated_workbook"] = workbook.name if workbook else None
    report["data_docs"] = str((home.root / DATA_DOCS / "index.html").relative_to(home.root))
    write_steward_reports(report, out, fw.name, jurisdiction_name(con, fw))
    return Outcome(sid, department, file_name, version, status, errors, warnings), keys


def validate_pending(con: duckdb.DuckDBPyConnection, home: Home, fw: Framework,
                     department: str | None = None) -> list[Outcome]:
    """Validate every parsed submission not yet decided (optionally of one department)."""
    pending = rows(con, statement("validation/pending_submissions"), [department, department])
    done = [_validate(con, home, fw, sid) for (sid,) in pending]
    build_data_docs(home, [k for _, keys in done for k in keys])
    return [outcome for outcome, _ in done]
