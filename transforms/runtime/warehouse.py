"""The DuckDB warehouse: schema, connection, and loading the configuration tables."""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from transforms.config.framework import ALL_REGIONS, NOT_APPLICABLE_OP, ConfigError, Framework, load_departments, read_csv_rows
from transforms.config.framework import data_dir as default_data_dir
from transforms.runtime.home import FILE_MODE, Home, set_mode
from transforms.runtime.sql import registered, statement, transaction

LOCK_RETRY_SECONDS = 60.0
SCHEMA = Path(__file__).resolve().parents[1] / "sql" / "schema.sql"


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; never download extensions (the machine is offline by policy). The file
    holds every submission's data: owner+group only, like the rest of the home (DuckDB creates it,
    and its write-ahead log, with the process umask)."""
    con = duckdb.connect(str(path), config={"autoinstall_known_extensions": False,
                                            "autoload_known_extensions": False})
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    for f in (Path(path), Path(f"{path}.wal")):
        if f.is_file():
            set_mode(f, FILE_MODE)
    return con


@contextmanager
def open_warehouse(home: Home) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for one step. DuckDB lets one process at a time open the file; the run
    lock keeps other runs out, and a short reader (`ecoassess status`) is waited for, not failed on."""
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    while True:
        try:
            con = connect(home.warehouse)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        yield con
    finally:
        con.close()


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """A query's result as polars. (DuckDB 2.0: reads go through `sql`, whose results are complete.)"""
    return con.sql(sql, params=params).pl()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.sql(sql, params=params).fetchall()


def normalized_weights(fw: Framework) -> dict[str, float]:
    """Indicator weights normalized to sum 1 over the framework (★◆○ = 3:2:1 by default)."""
    raw = {i.code: fw.indicator_weight(i) for i in fw.indicators}
    total = sum(raw.values())
    return {code: w / total for code, w in raw.items()}


def _category_rows(fw: Framework, weights: dict[str, float]) -> list[dict]:
    """Each category with its place in the tree and its share of the index: the product, down its path,
    of its weight among its siblings (explicit, else the sum of its indicators' weights)."""
    parent = {c.code: c.parent for c in fw.categories}
    mass = dict.fromkeys(parent, 0.0)
    for i in fw.indicators:
        node = i.category
        while node is not None:
            mass[node] += weights[i.code]
            node = parent[node]
    raw = {c.code: c.weight if c.weight is not None else mass[c.code] for c in fw.categories}
    siblings_total = {p: sum(raw[c] for c in parent if parent[c] == p) for p in set(parent.values())}

    def share(code: str | None) -> float:
        return 1.0 if code is None else raw[code] / siblings_total[parent[code]] * share(parent[code])

    depths, methods = fw.category_depths(), fw.category_methods()
    return [{"framework_id": fw.id, "code": c.code, "name": c.name, "weight": share(c.code),
             "explicit_weight": c.weight, "position": n, "parent": c.parent, "depth": depths[c.code],
             "aggregation": methods[c.code]} for n, c in enumerate(fw.categories)]


def _not_applicable(fw: Framework, regions: pl.DataFrame) -> pl.DataFrame:
    """The framework's `not_applicable` entries (region code, zone name or "*") as one row per region of
    the jurisdiction; an entry naming no region or zone stops the run (a typo would silently score)."""
    counties = [r for r in regions.iter_rows(named=True) if r["parent_code"] == fw.jurisdiction]
    out = []
    for ind in fw.indicators:
        for entry in ind.not_applicable:
            hit = [r["region_code"] for r in counties
                   if entry in (ALL_REGIONS, r["region_code"]) or (r.get("zone") or None) == entry]
            if not hit:
                raise ConfigError(f"指标体系 {fw.id} 条目 indicators[{ind.code}].not_applicable: {entry!r} 既不是"
                                  "本辖区的行政区划代码, 也不是主体功能区名称 (data/regions.csv) / names no region "
                                  "or zone")
            out += [{"framework_id": fw.id, "indicator_code": ind.code, "region_code": code, "year": None,
                     "source": f"指标体系 {fw.id}: 地域性指标, 该地区不涉及"} for code in hit]
    return pl.DataFrame(out, schema={"framework_id": pl.String, "indicator_code": pl.String, "region_code": pl.String,
                                     "year": pl.Int32, "source": pl.String})


def load_config(con: duckdb.DuckDBPyConnection, fw: Framework, fw_path: Path, data_dir: Path | None = None) -> None:
    """Refresh config tables from `data/` in one transaction (they mirror files, not submissions)."""
    data_dir = data_dir or default_data_dir()
    weights = normalized_weights(fw)
    sum_raw = sum(fw.indicator_weight(i) for i in fw.indicators)  # zone weights share the same scale
    indicators = pl.DataFrame([{
        "framework_id": fw.id, "code": i.code, "name": i.name, "name_en": i.name_en, "category": i.category,
        "unit": i.unit, "direction": i.direction, "weight_class": i.weight_class, "weight": weights[i.code],
        "binding": i.binding, "target_op": i.target.op if i.target else None,
        "target_value": i.target.value if i.target else None, "valid_min": i.valid_range[0],
        "valid_max": i.valid_range[1], "department": i.department, "audit": i.audit,
        "normalization": i.normalization, "goal_lo": i.goalposts[0] if i.goalposts else None,
        "goal_hi": i.goalposts[1] if i.goalposts else None, "log_transform": i.log, "position": n,
        "pct_lo": i.goalposts_percentiles.low / 100 if i.goalposts_percentiles else None,
        "pct_hi": i.goalposts_percentiles.high / 100 if i.goalposts_percentiles else None,
        "range_lo": (i.normalization_range or fw.normalization_range)[0],
        "range_hi": (i.normalization_range or fw.normalization_range)[1],
        "missing_final": fw.missing_rules(i)[-1],
    } for n, i in enumerate(fw.indicators)])
    categories = pl.DataFrame(_category_rows(fw, weights))
    zone_weights = pl.DataFrame(
        [{"framework_id": fw.id, "indicator_code": i.code, "zone": z, "weight": w / sum_raw}
         for i in fw.indicators for z, w in i.zone_weights.items()],
        schema={"framework_id": pl.String, "indicator_code": pl.String, "zone": pl.String, "weight": pl.Float64})
    regions = pl.DataFrame(read_csv_rows(data_dir / "regions.csv"))
    targets_file = data_dir / "targets" / f"{fw.id}.csv"
    targets = pl.DataFrame(read_csv_rows(targets_file)) if targets_file.exists() else None
    departments = pl.DataFrame([{"code": d.code, "name": d.name, "audit_subject": d.audit_subject}
                                for d in load_departments(data_dir)])
    not_applicable = _not_applicable(fw, regions)
    sha = hashlib.sha256(fw_path.read_bytes()).hexdigest()
    with transaction(con), registered(con, indicators=indicators, categories=categories, zone_weights=zone_weights,
                                      regions=regions, departments=departments, targets=targets,
                                      not_applicable=not_applicable):
        con.execute("DELETE FROM indicator WHERE framework_id = ?", [fw.id])
        con.execute("DELETE FROM category WHERE framework_id = ?", [fw.id])
        con.execute("DELETE FROM indicator_zone_weight WHERE framework_id = ?", [fw.id])
        con.execute("INSERT INTO indicator_zone_weight BY NAME SELECT * FROM zone_weights")
        con.execute("DELETE FROM framework WHERE framework_id = ?", [fw.id])
        con.execute("INSERT INTO framework VALUES (?, ?, ?, ?, now())", [fw.id, fw.name, fw.jurisdiction, sha])
        con.execute("INSERT INTO indicator BY NAME SELECT * FROM indicators")
        con.execute("INSERT INTO category BY NAME SELECT * FROM categories")
        con.execute("DELETE FROM region")
        con.execute("INSERT INTO region BY NAME SELECT NULLIF(zone, '') AS zone, * EXCLUDE (zone) FROM regions")
        con.execute("DELETE FROM department")
        con.execute("INSERT INTO department BY NAME SELECT * FROM departments")
        con.execute("DELETE FROM region_target WHERE framework_id = ?", [fw.id])
        con.execute("DELETE FROM indicator_not_applicable WHERE framework_id = ?", [fw.id])
        con.execute("INSERT INTO indicator_not_applicable BY NAME SELECT * FROM not_applicable")
        if targets is not None:
            con.execute(statement("config/region_targets"), {"not_applicable": NOT_APPLICABLE_OP})
            con.execute(statement("config/targets_not_applicable"), {"not_applicable": NOT_APPLICABLE_OP})


def counties(con: duckdb.DuckDBPyConnection, jurisdiction: str) -> pl.DataFrame:
    return con.sql("SELECT region_code, name, zone FROM region WHERE parent_code = ? ORDER BY region_code",
                   params=[jurisdiction]).pl()
