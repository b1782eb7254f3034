"""The year's ranking as the command line and the run's artifact show it: one query, one row per
county in rank order (rank, county, index, 5–95 % rank interval, assessment score, grade, vetoes).

The numbers are those of the run whose scores a year's latest succeeded run used (`scored_run_id`:
an unchanged re-run reuses an earlier run's numbers), so the terminal, the reports and the
warehouse always show the same figures.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.runtime.sql import statement
from transforms.runtime.warehouse import frame, rows

# column: (Chinese heading, English heading) — the keys are the CSV/JSON field names
COLUMNS = {
    "rank": ("排名", "rank"), "region_code": ("代码", "code"), "county": ("县（市、区）", "county"),
    "index": ("指数", "index"), "rank_interval": ("排名区间", "rank 5–95%"),
    "assessment_score": ("考核得分", "score"), "grade": ("等级", "grade"), "veto": ("一票否决", "veto"),
}



def latest_scored_run(con: duckdb.DuckDBPyConnection, year: int | None = None,
                      framework: str | None = None) -> tuple[str, int, str] | None:
    """(scored run id, year, framework id) of the latest succeeded run of `year` (of the latest year
    with one, when None), optionally of one framework; None when there is none."""
    found = rows(con, statement("reporting/latest_scored_run"), {"year": year, "framework": framework})
    return tuple(found[0]) if found else None


def ranking(con: duckdb.DuckDBPyConnection, run_id: str, year: int) -> pl.DataFrame:
    """Every county of the run's year in rank order, with the fields of `COLUMNS` (the interval as
    `rank_p05`/`rank_p95`, vetoes as `vetoed` and `veto_rules`)."""
    return frame(con, statement("reporting/ranking"), {"run_id": run_id, "year": year})


def interval_text(row: dict) -> str:
    return "—" if row["rank_p05"] is None else f"{row['rank_p05']}–{row['rank_p95']}"


def veto_text(row: dict) -> str:
    return "、".join(row["veto_rules"]) if row["veto_rules"] else ("是" if row["vetoed"] else "—")
