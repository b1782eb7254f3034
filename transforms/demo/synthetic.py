"""Synthetic jurisdictions of any size, for benchmarks: `write_synthetic_dataset(out, regions=2850)`.

It writes a complete configuration folder — counties with synthetic 6-digit codes (9xxxxx: no real
GB/T 2260 province starts with 9) and main functional zones, ~20 departments, one framework holding
the indicators of the chosen shipped frameworks, per-county targets, the units — and the demo
generator's inbox for it (every department's file per year, events, a roster of 2 leaders per
county plus the department heads). A run uses it with `ECOASSESS_DATA=<out>/data` (or `--data`),
`--framework synthetic --inbox <out>/inbox`. Everything in it is invented and labelled so.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from transforms.config.defaults import default_framework, default_year
from transforms.config.framework import DATA_DIR, Framework, expression_names, framework_path, load_departments, load_framework
from transforms.demo.inbox import ALL_DEFECTS, SYNTHETIC, write_demo_inbox

EXTRA_DEPARTMENTS = [("kjj", "市科技局"), ("gaj", "市公安局"), ("wjw", "市卫生健康委"), ("scjgj", "市市场监管局"),
                     ("jgswj", "市机关事务管理局"), ("yjglj", "市应急管理局"), ("qxj", "市气象局"), ("swj", "市商务局"),
                     ("jyj", "市教育局"), ("mzj", "市民政局"), ("sjj", "市审计局"), ("xfj", "市信访局")]
ZONES = [("重点开发区", 0.25), ("农产品主产区", 0.35), ("重点生态功能区", 0.40)]
PLACE_CHARS = "安宁平康泰和丰华兴隆昌盛永清长青山水云石林溪河源江湖阳明光新东南西北中上下金银玉宝龙凤鹤松桂兰梅竹春秋晴霞峰岭岩川泉湾洲田桥城德仁义信福寿乐嘉定远望"


@dataclass(frozen=True)
class SyntheticDataset:
    """What `write_synthetic_dataset` wrote: run it with ECOASSESS_DATA=data_dir, --framework, --inbox."""

    root: Path
    data_dir: Path
    inbox: Path
    framework_id: str
    years: list[int]
    regions: int
    departments: int
    indicators: int
    cadres: int
    files: list[Path]

    def env(self) -> dict[str, str]:
        return {"ECOASSESS_DATA": str(self.data_dir)}

    def run_command(self, year: int | None = None) -> list[str]:
        return ["python", "-m", "flows.cli", "run", "--year", str(year or self.years[-1]),
                "--framework", self.framework_id, "--inbox", str(self.inbox)]


def _place_names(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct two-character place names with a county-level suffix (all invented)."""
    chars = list(dict.fromkeys(PLACE_CHARS))
    pairs = [a + b for a in chars for b in chars if a != b]
    if n > len(pairs):
        raise ValueError(f"最多可生成 {len(pairs)} 个虚构县 / at most {len(pairs)} synthetic counties")
    picked = rng.choice(len(pairs), size=n, replace=False)
    suffixes = ["县", "县", "县", "市", "区"]
    return [pairs[p] + suffixes[int(rng.integers(len(suffixes)))] for p in picked]


def synthetic_regions(n: int, seed: int, jurisdiction: str = "900000") -> list[dict[str, str]]:
    """The jurisdiction and n counties under it, with synthetic 6-digit codes (9xxxxx: no real
    GB/T 2260 province starts with 9) and zones drawn with fixed shares."""
    if not 1 <= n <= 99_999:
        raise ValueError("县的数量须在 1 至 99999 之间 / regions must be 1..99999")
    rng = np.random.default_rng(seed + 4)
    names = _place_names(n, rng)
    zones = rng.choice(len(ZONES), size=n, p=[p for _, p in ZONES])
    note = "虚构行政区(代码、名称、主体功能区均为演示用虚构数据)"
    rows = [{"region_code": jurisdiction, "name": "虚构市(演示)", "parent_code": "", "level": "city", "zone": "",
             "synthetic_note": note}]
    rows += [{"region_code": f"9{k + 1:05d}", "name": names[k], "parent_code": jurisdiction, "level": "county",
              "zone": ZONES[zones[k]][0], "synthetic_note": note} for k in range(n)]
    return rows


def _assign_departments(indicators: list[dict], chosen: list[str]) -> None:
    """Keep each indicator's department where it is among `chosen`; move the others round-robin;
    then give every chosen department at least one indicator, taken from the busiest one."""
    for k, ind in enumerate(i for i in indicators if i["department"] not in chosen):
        ind["department"] = chosen[k % len(chosen)]
    while True:
        load = {d: [i for i in indicators if i["department"] == d] for d in chosen}
        idle = [d for d in chosen if not load[d]]
        busiest = max(chosen, key=lambda d: len(load[d]))
        if not idle or len(load[busiest]) < 2:
            return
        load[busiest][-1]["department"] = idle[0]


def synthetic_framework(framework_ids: Sequence[str], departments: list[str], jurisdiction: str,
                        source_data: Path = DATA_DIR) -> dict:
    """One framework holding the indicators of the given shipped frameworks, for `jurisdiction`.
    Weights become classes (explicit points and category weights of different frameworks do not
    mix), categories and veto rules are prefixed by the framework they came from."""
    docs = [yaml.safe_load(framework_path(f, source_data).read_text("utf-8")) for f in framework_ids]
    base = docs[0]
    merged = {k: v for k, v in base.items() if k not in ("categories", "indicators", "veto_rules")}
    merged.update(id="synthetic", name=f"虚构指标体系(演示; 由 {'、'.join(framework_ids)} 合成)",
                  name_en="Synthetic framework (demo)", jurisdiction=jurisdiction, years=[2000, 2100])
    merged["weight_classes"] = {"★": 3, "◆": 2, "○": 1}
    merged["categories"], merged["indicators"], merged["veto_rules"] = [], [], []
    multi = len(docs) > 1
    for n, doc in enumerate(docs, start=1):
        prefix = f"F{n}-" if multi else ""
        for c in doc["categories"]:
            merged["categories"].append({"code": prefix + c["code"], "name": c["name"] + (f"({doc['id']})" if multi else ""),
                                         "name_en": c.get("name_en", "")})
        for i in doc["indicators"]:
            ind = dict(i, category=prefix + i["category"])
            ind.pop("weight", None)
            ind.setdefault("weight_class", "◆")
            merged["indicators"].append(ind)
        for r in doc.get("veto_rules", []):
            merged["veto_rules"].append(dict(r, id=prefix + r["id"]))
    seen: dict[str, int] = {}
    for ind in merged["indicators"]:  # the same indicator in two frameworks: names must stay unique
        seen[ind["name"]] = seen.get(ind["name"], 0) + 1
    for ind in merged["indicators"]:
        if seen[ind["name"]] > 1:
            ind["name"] = f"{ind['name']}-{ind['code']}"
    _assign_departments(merged["indicators"], departments)
    _keep_relations_within_a_department(merged, departments)
    return merged


def _keep_relations_within_a_department(fw: dict, departments: list[str]) -> None:
    """A relation check compares items of one department's file: move every item of a relation
    (supporting items included) to the department of its first indicator; supporting items of
    departments not chosen go to the first chosen one."""
    fw["supporting_items"] = [dict(i) for i in fw.get("supporting_items", [])]
    for item in fw["supporting_items"]:
        if item["department"] not in departments:
            item["department"] = departments[0]
    indicators = {i["code"]: i for i in fw["indicators"]}
    items = indicators | {i["code"]: i for i in fw["supporting_items"]}
    for rel in (fw.get("checks") or {}).get("relations", []):
        codes = expression_names(rel["left"]) + expression_names(rel["right"])
        home = next((indicators[c]["department"] for c in codes if c in indicators), None)
        for c in codes:
            if c in items and home is not None:
                items[c]["department"] = home


def write_synthetic_dataset(out: Path, regions: int = 100, departments: int = 20,
                            years: Sequence[int] | None = None, frameworks: Sequence[str] | None = None,
                            seed: int = 20250101,
                            defect_rate: float = 0.0, defect_kinds: Sequence[str] = tuple(ALL_DEFECTS),
                            source_data: Path = DATA_DIR) -> SyntheticDataset:
    """A complete synthetic jurisdiction for benchmarks: `out/data/` (regions.csv, departments.yaml,
    units.yaml, frameworks/synthetic.yaml, targets/synthetic.csv) and `out/inbox/<year>/<dept>/`
    with every department's file per year, the events and the roster (2 leaders per county plus
    the department heads). `frameworks` lists the shipped frameworks whose indicators it holds (default:
    the one of data/defaults.yaml); `years` default to the five years up to the default year."""
    last = default_year()
    years = sorted(years or range(last - 4, last + 1))
    frameworks = frameworks or (default_framework(source_data),)
    data, inbox = out / "data", out / "inbox"
    if data.exists() or inbox.exists():
        raise FileExistsError(f"{out} 已有 data/ 或 inbox/, 请换一个空目录 / choose an empty folder")
    (data / "frameworks").mkdir(parents=True)
    (data / "targets").mkdir()
    jurisdiction = "900000"
    region_rows = synthetic_regions(regions, seed, jurisdiction)
    with (data / "regions.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(region_rows[0]))
        w.writeheader()
        w.writerows(region_rows)
    real = [(d.code, d.name) for d in load_departments(source_data)]
    pool = [d for d in real if d[0] != "zzb"] + EXTRA_DEPARTMENTS
    if not 2 <= departments <= len(pool) + 1:
        raise ValueError(f"部门数须在 2 至 {len(pool) + 1} 之间 / departments must be 2..{len(pool) + 1}")
    chosen = pool[:departments - 1] + [("zzb", "市委组织部")]  # 组织部 always: it sends the roster
    (data / "departments.yaml").write_text(
        "# 虚构辖区的报送部门(演示用) / departments of the synthetic jurisdiction\n"
        + yaml.safe_dump({"departments": [{"code": c, "name": n} for c, n in chosen]}, allow_unicode=True,
                         sort_keys=False), "utf-8")
    shutil.copy(source_data / "units.yaml", data / "units.yaml")
    doc = synthetic_framework(frameworks, [c for c, _ in chosen], jurisdiction, source_data)
    fw_file = data / "frameworks" / "synthetic.yaml"
    fw_file.write_text("# 虚构指标体系, 由 transforms/demo.py 生成, 仅供演示和性能测试 / generated, synthetic\n"
                       + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    fw = load_framework(fw_file)  # validated like any framework
    counties = [r for r in region_rows if r["level"] == "county"]
    _write_targets(data / "targets" / "synthetic.csv", fw, counties, years, seed)
    files = write_demo_inbox(inbox, fw, years, seed, data, defect_rate, extra_events=regions // 50,
                             defect_kinds=defect_kinds)
    return SyntheticDataset(out, data, inbox, fw.id, years, regions, len(fw.departments), len(fw.indicators),
                            2 * regions + 1 + len(fw.departments), files)


def _write_targets(path: Path, fw: Framework, counties: list[dict[str, str]], years: list[int], seed: int) -> None:
    """Per-county targets (逐级分解) for every indicator whose framework target is only regional:
    drawn once per county and held over the years, as red lines and quotas are."""
    rng = np.random.default_rng(seed + 5)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["framework", "indicator", "region_code", "year", "op", "value", "source"])
        for ind in fw.indicators:
            if ind.target is None or ind.target.value is not None:
                continue
            lo, hi = ind.valid_range
            level = lo + (hi - lo) * rng.uniform(0.02, 0.15, len(counties))
            for y in years:
                for c, v in zip(counties, np.clip(level, lo, hi)):
                    w.writerow([fw.id, ind.code, c["region_code"], y, ind.target.op, round(float(v), 2),
                                f"虚构逐级分解目标({SYNTHETIC})"])
