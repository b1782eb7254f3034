"""Hand-built report contexts in the shape `transforms/report_context.py` hands to the renderer, so the
render tests need no warehouse. Submitted text carries a script tag to prove escaping; one cadre name
and one county file name carry markup too.
"""

from __future__ import annotations

SYNTHETIC_NOTE = "本报告所用指标数值、干部信息和事件均为演示用虚构数据。"
XSS = "<script>alert(1)</script>"
SHA = "ab12cd34ef56" + "0" * 52

# (code, name, category, unit, binding, op, target, department) — the demo framework's 38 indicators
INDICATORS = [
    ("GT01", "单位GDP能耗降低率", "GT", "%", True, ">=", 3.0, "市发展改革委"),
    ("GT02", "单位GDP二氧化碳排放降低率", "GT", "%", True, ">=", 3.5, "市发展改革委"),
    ("GT03", "万元GDP用水量下降率", "GT", "%", True, ">=", 3.0, "市水利局"),
    ("GT04", "单位GDP建设用地使用面积下降率", "GT", "%", False, ">=", 4.0, "市自然资源局"),
    ("GT05", "可再生能源装机容量占比", "GT", "%", False, ">=", 50, "市发展改革委"),
    ("GT06", "数字经济核心产业增加值占GDP比重", "GT", "%", False, ">=", 10, "市工信局"),
    ("GT07", "工业技术改造投资增长率", "GT", "%", False, ">=", 10, "市工信局"),
    ("GT08", "公交车新能源汽车占比", "GT", "%", False, ">=", 80, "市交通运输局"),
    ("GT09", "出租汽车新能源汽车占比", "GT", "%", False, ">=", 75, "市交通运输局"),
    ("GT10", "新建公共机构建筑可安装光伏覆盖率", "GT", "%", False, ">=", 50, "市住建局"),
    ("GT11", "节能环保产品政府采购占比", "GT", "%", False, ">=", 90, "市财政局"),
    ("EQ01", "空气质量优良天数比例", "EQ", "%", True, ">=", 85, "市生态环境局"),
    ("EQ02", "细颗粒物(PM2.5)年均浓度", "EQ", "μg/m³", True, "<=", 35, "市生态环境局"),
    ("EQ03", "地表水达到或好于Ⅲ类水体比例", "EQ", "%", True, ">=", 80, "市生态环境局"),
    ("EQ04", "出境断面水质达到或好于Ⅱ类比例", "EQ", "%", False, ">=", 100, "市生态环境局"),
    ("EQ05", "集中式饮用水水源地水质达标率", "EQ", "%", True, ">=", 100, "市生态环境局"),
    ("EQ06", "受污染耕地安全利用率", "EQ", "%", True, ">=", 93, "市生态环境局"),
    ("EQ07", "重点建设用地安全利用率", "EQ", "%", False, ">=", 95, "市生态环境局"),
    ("EQ08", "化学需氧量排放量减少率", "EQ", "%", True, ">=", 2.0, "市生态环境局"),
    ("EQ09", "氨氮排放量减少率", "EQ", "%", True, ">=", 2.0, "市生态环境局"),
    ("EQ10", "生活污水集中收集率", "EQ", "%", False, ">=", 55, "市城管局"),
    ("EQ11", "城镇生活垃圾无害化处理率", "EQ", "%", False, ">=", 100, "市城管局"),
    ("EQ12", "危险废物安全处置率", "EQ", "%", False, ">=", 100, "市生态环境局"),
    ("EP01", "森林覆盖率", "EP", "%", True, ">=", 76, "市林业局"),
    ("EP02", "水土保持率", "EP", "%", True, ">=", 83.4, "市水利局"),
    ("EP03", "湿地保护率", "EP", "%", False, ">=", 62, "市林业局"),
    ("EP04", "国家重点保护野生动植物保护率", "EP", "%", False, ">=", 95, "市林业局"),
    ("EP05", "耕地保有量", "EP", "万亩", True, ">=", 45.12, "市自然资源局"),
    ("EP06", "受保护地区占国土面积比例", "EP", "%", False, ">=", 22, "市林业局"),
    ("PV01", "林下经济产业综合产值", "PV", "亿元", False, ">=", 16.7, "市林业局"),
    ("PV02", "绿色有机名特优新农产品数量", "PV", "个", False, ">=", 78, "市农业农村局"),
    ("PV03", "油茶产业产值", "PV", "亿元", False, ">=", 11.1, "市林业局"),
    ("PV04", "生态产品总值(GEP)增长率", "PV", "%", False, ">=", 3.0, "市统计局"),
    ("GL01", "城镇新建绿色建筑比例", "GL", "%", False, ">=", 50, "市住建局"),
    ("GL02", "公众绿色出行率", "GL", "%", False, ">=", 50, "市交通运输局"),
    ("GL03", "公众对生态环境质量满意程度", "GL", "%", False, ">=", 80, "市统计局"),
    ("GL04", "党政干部参加生态文明培训比例", "GL", "%", False, ">=", 100, "市委组织部"),
]
CATEGORIES = [("GT", "绿色低碳转型"), ("EQ", "生态环境质量"), ("EP", "生态系统保护"), ("PV", "生态产品价值实现"),
              ("GL", "绿色生活与制度")]
COUNTIES = [("360702", "章贡区"), ("360703", "南康区"), ("360704", "赣县区"), ("360722", "信丰县"),
            ("360723", "大余县"), ("360724", "上犹县"), ("360725", "崇义县"), ("360726", "安远县"),
            ("360728", "定南县"), ("360729", "全南县"), ("360730", "宁都县"), ("360731", "于都县"),
            ("360732", "兴国县"), ("360733", "会昌县"), ("360734", "寻乌县"), ("360735", "石城县"),
            ("360781", "瑞金市"), ("360783", "龙南市")]
ZONES = ["重点开发区", "农产品主产区", "重点生态功能区"]
EVIDENCE_SHA = "9f8e7d6c5b4a" + "1" * 52
# 佐证材料 attached through the portal: one proving the event veto, one about a whole file
ATTACHMENTS = [
    {"department_name": "市生态环境局", "submission_file": "events_2025.csv", "version": 1,
     "file_name": "贡江断面应急监测报告.pdf", "sha256": EVIDENCE_SHA, "size_bytes": 48213,
     "note": f"应急监测报告 {XSS}", "proves": "事件EV-2025-003", "attached_at": "2025-12-20 10:31:05",
     "attached_by": "sthjj1"},
    {"department_name": "市林业局", "submission_file": "市林业局_2025年度指标报送.xlsx", "version": 2,
     "file_name": "林地变更调查成果.jpg", "sha256": "0" * 64, "size_bytes": 1200,
     "note": None, "proves": "整份文件", "attached_at": "2026-01-05 09:00:00", "attached_by": "lyj1"}]


def doc(kind: str, title: str) -> dict:
    return {"kind": kind, "title": title, "jurisdiction_name": "赣州市", "year": 2025,
            "framework_name": "赣州市生态文明建设年度评价考核指标体系(演示)", "generated_at": "2026-11-22 18:00",
            "synthetic": True, "synthetic_note": SYNTHETIC_NOTE, "run_id": "r20261122-180000-ab12cd"}


def county_context() -> dict:
    """章贡区, vetoed by an event whose description carries a script tag; 37 indicator rows."""
    cat_names = dict(CATEGORIES)
    indicators = []
    for k, (code, name, cat, unit, binding, op, target, dept) in enumerate(INDICATORS[:37]):
        value = None if code == "GL04" else round(target * (1.08 if k % 5 else 0.93), 3)
        met = None if value is None else (value >= target if op == ">=" else value <= target)
        score = None if value is None else round(60 + (k * 7.3) % 40, 2)
        indicators.append({
            "code": code, "name": name, "category_name": cat_names[cat], "unit": unit, "value": value,
            "target_op": op, "target_value": target, "met": met, "binding": binding, "score": score,
            "weight": 0.027, "contribution": None if score is None else round(score * 0.027, 2),
            "department_name": dept, "flag": "缺失(按权重重新分配)" if value is None else None,
            "previous_value": None if value is None else round(value * 0.98, 3),
            "movement": None if value is None else "改善" if op == ">=" else "恶化",
            "target_source": "县级分解目标" if code == "EP01" else "市级目标"})
    return {
        "doc": doc("county", "章贡区2025年度生态文明建设评价考核报告"),
        "county": {"region_code": "360702", "name": "章贡区", "zone": "重点开发区"},
        "result": {"gdi": 83.41, "rank": 3, "n_regions": 18, "assessment_score": 87.2, "targets_met": 30,
                   "targets_total": 37, "binding_missed": 1, "grade": "不合格", "grade_before_veto": "良好",
                   "vetoed": True, "missing_count": 1, "previous_gdi": 82.1, "previous_rank": 5, "rank_p05": 2.0,
                   "rank_median": 3.0, "rank_p95": 6.0, "rank_driver": "EQ01", "rank_driver_name": "空气质量优良天数比例",
                   "improved": 21, "worsened": 10, "change_balance": 0.3127},
        "grade_gap": {"grade": "优秀", "min": 90, "distance": 2.8},
        "binding_missed_names": ["森林覆盖率"],
        "change_note": "指数变化反映的是在参评县(市、区)中相对位置的变化。",
        "satisfaction": "公众对生态环境质量满意程度为本指标体系计入指数的一项指标(未采用国家年度评价单独评价的口径)。",
        "not_applicable": ["近岸海域水质优良(一、二类)比例"],
        "vetoes": [
            {"rule_id": "VETO-EVENT", "rule_name": "发生重大生态环境事件", "effect": "fail", "cap_grade": None,
             "evidence": {"indicator_name": None, "value": None, "target": None, "target_op": None, "unit": None,
                          "event_kind": "重特大突发环境事件", "event_date": "2025-06-14",
                          "description": f"贡江某断面氨氮超标 {XSS} & 下游取水口临时关停",
                          "file_name": "events_2025.csv", "version": 1, "sha256": SHA,
                          "attachments": [ATTACHMENTS[0]]}},
            {"rule_id": "VETO-ENERGY", "rule_name": "未完成节能减排目标(单位GDP能耗降低率)", "effect": "fail",
             "cap_grade": None,
             "evidence": {"indicator_name": "单位GDP能耗降低率", "value": 2.79, "target": 3.0, "target_op": ">=",
                          "unit": "%", "event_kind": None, "event_date": None, "description": None,
                          "file_name": "发改委_2025.xlsx", "version": 2, "sha256": SHA, "attachments": []}},
        ],
        "evidence": ATTACHMENTS,
        "categories": [{"code": c, "name": n, "score": s, "weight": w, "median": m}
                       for (c, n), s, w, m in zip(CATEGORIES, [78.2, 88.65, 91.3, 47.0, None],
                                                   [0.23, 0.31, 0.21, 0.12, 0.13], [80.1, 84.0, 86.2, 72.5, 75.0])],
        "indicators": indicators,
        "cadres": [{"cadre_id": "C001", "name": "李明华", "post": "党委书记", "share": 1.0, "start": "2021-03-01",
                    "end": None},
                   {"cadre_id": "C002", "name": "王建国", "post": "政府主要负责人", "share": 0.45,
                    "start": "2019-01-10", "end": "2025-06-15"},
                   {"cadre_id": "C003", "name": "陈", "post": "政府主要负责人", "share": 0.55,
                    "start": "2025-06-16", "end": None}],
        "submissions": [{"department_name": d, "file_name": f"{d}_2025年度指标报送.xlsx", "version": v,
                         "sha256": SHA, "status": "accepted", "warnings": w}
                        for d, v, w in [("市林业局", 2, 1), ("市生态环境局", 1, 0), ("市发展改革委", 2, 0),
                                        ("市自然资源局", 1, 0), ("市统计局", 1, 2)]],
        "warnings": [{"department_name": "市林业局", "file_name": "市林业局_2025.xlsx", "version": 2, "rule_id": "W1",
                      "message": f"湿地保护率较上年下降超过 10 个百分点, 请核实 {XSS}", "expected": "较上年变化不超过 10",
                      "fix": None, "rows": [{"row": 4, "indicator": "EP03", "value": "51.2", "note": None}]},
                     {"department_name": "市统计局", "file_name": "市统计局_2025.csv", "version": 1, "rule_id": "W2",
                      "message": "生态产品总值(GEP)增长率为初步核算数", "expected": None, "fix": None, "rows": []}],
        # 2021 scored alongside 2022 only, 2022 never scored (data only), 2023–2025 assessed
        "trend": [{"year": 2021, "gdi": 80.02, "rank": 9, "n_regions": 18, "assessment_score": 81.0, "grade": "良好",
                   "vetoed": False, "assessed": False},
                  {"year": 2022, "gdi": None, "rank": None, "n_regions": None, "assessment_score": None, "grade": None,
                   "vetoed": None, "assessed": None},
                  {"year": 2023, "gdi": 81.5, "rank": 7, "n_regions": 18, "assessment_score": 84.0, "grade": "良好",
                   "vetoed": False, "assessed": True},
                  {"year": 2024, "gdi": 82.1, "rank": 5, "n_regions": 18, "assessment_score": 86.1, "grade": "良好",
                   "vetoed": False, "assessed": True},
                  {"year": 2025, "gdi": 83.41, "rank": 3, "n_regions": 18, "assessment_score": 87.2, "grade": "不合格",
                   "vetoed": True, "assessed": True}],
        "missing": [{"name": "党政干部参加生态文明培训比例", "department_name": "市委组织部", "flag": "缺失(按权重重新分配)",
                     "value": None, "unit": "%"}],
        "missing_policy": "缺失指标不计分, 其权数按比例分配给同类其余指标",
        "method_note": {"normalization": "个体指数：全部 3 项指标用效能系数法。", "aggregation": "汇总：加权算术平均。",
                        "contribution": "“贡献”为权数 × 个体指数，各项合计等于总指数"},
        "strengths": [{"name": "森林覆盖率", "score": 98.2, "peer_gap": 0.61}],
        "weaknesses": [{"name": "细颗粒物(PM2.5)年均浓度", "score": 61.0, "peer_gap": -0.74}],
    }


def cadre_context() -> dict:
    """王建国: moved from 章贡区 government head to 寻乌县 party secretary in mid-2025; an event of 2021
    in his 章贡区 tenure (终身追责) and the 2025 veto of 章贡区 bind to him."""
    veto = county_context()["vetoes"][0]
    return {
        "doc": doc("cadre", "王建国同志2025年度生态文明建设考核结果"),
        "cadre": {"cadre_id": "C002", "name": "王建国", "in_post": True},
        "tenures": [{"post": "政府主要负责人", "region_name": "章贡区", "region_code": "360702", "start": "2019-01-10",
                     "end": "2025-06-15", "rule": "党政同责"},
                    {"post": "党委书记", "region_name": "寻乌县", "region_code": "360734", "start": "2025-06-16",
                     "end": None, "rule": "党政同责"}],
        "posts": [{"post": "政府主要负责人", "region_name": "章贡区", "region_code": "360702", "start": "2019-01-10",
                   "end": "2025-06-15", "share": 0.45, "gdi": 83.41, "rank": 3, "grade": "不合格", "vetoed": True,
                   "rule": "党政同责"},
                  {"post": "党委书记", "region_name": "寻乌县", "region_code": "360734", "start": "2025-06-16",
                   "end": None, "share": 0.55, "gdi": 79.02, "rank": 12, "grade": "合格", "vetoed": False,
                   "rule": "党政同责"}],
        # 0.45 × 83.41 + 0.55 × 79.02 = 37.5345 + 43.461 = 80.9955 -> 81.00
        "weighted": 0.45 * 83.41 + 0.55 * 79.02,
        "conclusion": {"score": 0.45 * 83.41 + 0.55 * 79.02, "grade": "合格", "vetoed": True, "veto_count": 1,
                       "rule": "党政同责: 承担章贡区、寻乌县的评价考核结果, 按在任时间比例加权, 等级取在任时间最长的职务所在县(市、区)的等级",
                       "text": "绿色发展指数 81.00, 考核等级合格, 任期内触发一票否决 1 项(见下)。"},
        "events": [{"date": "2025-06-14", "region_name": "章贡区", "kind": "重特大突发环境事件",
                    "description": f"贡江某断面氨氮超标 {XSS}", "post": "政府主要负责人", "year": 2025},
                   {"date": "2021-09-02", "region_name": "章贡区", "kind": "造成恶劣社会影响的环境污染责任事件",
                    "description": "某工业园区废气扰民, 群众集中投诉", "post": "政府主要负责人", "year": 2021}],
        "record": [{"year": 2024, "post": "政府主要负责人", "region_name": "章贡区", "share": 1.0, "gdi": 82.1, "rank": 5,
                    "grade": "良好", "vetoed": False, "rule": "党政同责", "vetoes": []},
                   {"year": 2025, "post": "政府主要负责人", "region_name": "章贡区", "share": 0.45, "gdi": 83.41,
                    "rank": 3, "grade": "不合格", "vetoed": True, "rule": "党政同责", "vetoes": [veto]},
                   {"year": 2025, "post": "党委书记", "region_name": "寻乌县", "share": 0.55, "gdi": 79.02, "rank": 12,
                    "grade": "合格", "vetoed": False, "rule": "党政同责", "vetoes": []}],
        "audit": [{"region_name": "章贡区", "post": "政府主要负责人", "start_date": "2019-01-10", "end_date": "2025-06-15",
                   "year_before": 2018, "year_end": 2025, "indicator_name": n, "unit": u, "direction": 1,
                   "value_before": b, "value_end": e, "change": None if b is None or e is None else e - b,
                   "target": t, "target_op": ">=", "met": None if e is None else e >= t}
                  for n, u, b, e, t in [("森林覆盖率", "%", 70.2, 67.8, 76.0), ("湿地保护率", "%", 60.6, 62.4, 62.0),
                                        ("耕地保有量", "万亩", None, 8.77, 8.75)]],
    }


def department_head_context() -> dict:
    """一岗双责: the head of 市林业局, with the department's indicators."""
    return {
        "doc": doc("cadre", "苏海燕同志2025年度生态文明建设考核结果"),
        "cadre": {"cadre_id": "C043", "name": "苏海燕", "in_post": True},
        "tenures": [{"post": "部门主要负责人", "department": "lyj", "department_name": "市林业局", "start": "2023-12-01",
                     "end": None, "rule": "一岗双责"}],
        "posts": [{"post": "部门主要负责人", "department": "lyj", "department_name": "市林业局", "start": "2023-12-01",
                   "end": None, "share": 1.0, "department_score": 81.8, "targets_met": 85, "targets_total": 108,
                   "gdi": None, "rank": None, "grade": None, "vetoed": None, "rule": "一岗双责",
                   "department_rank": 4, "n_departments": 13}],
        "weighted": None,
        "conclusion": {"score": 81.8, "grade": None, "vetoed": False, "veto_count": 1,
                       "rule": "一岗双责: 承担市林业局负责指标的分项得分(部门负责人不单独评定等级)",
                       "text": "部门分项得分 81.80, 在 13 个责任部门中列第 4 位, 完成目标 85/108 项(县次); 本部门负责的指标引发一票否决 1 项(见下)。"},
        "department_audit": [{"start_date": "2023-12-01", "end_date": None, "incumbent": True, "year_before": 2022,
                              "year_end": 2025, "indicator_name": "森林覆盖率", "unit": "%", "mean_before": 75.2,
                              "mean_end": 76.1, "improved": 11, "worsened": 7, "met": 12, "with_target": 18}],
        "department_indicators": [
            {"name": "森林覆盖率", "unit": "%", "binding": True, "dept_weight": 0.3, "mean_score": 81.2, "met": 10,
             "with_target": 18, "missing": 0},
            {"name": "林下经济产业综合产值", "unit": "亿元", "binding": False, "dept_weight": 0.2, "mean_score": 85.49,
             "met": 14, "with_target": 18, "missing": 1}],
        "events": [],
        "record": [{"year": 2025, "post": "部门主要负责人", "department_name": "市林业局", "share": 1.0,
                    "department_score": 81.8, "rule": "一岗双责", "rank": None, "grade": None, "vetoed": None,
                    "gdi": None, "department": "lyj", "acting": False,
                    "vetoes": [county_context()["vetoes"][1] | {"region_name": "章贡区"}]}],
        "audit": [],
    }


def bulletin_context() -> dict:
    counties = []
    for k, (code, name) in enumerate(COUNTIES):
        gdi = round(90.5 - k * 1.37 - (k % 3) * 0.21, 2)
        vetoed = name in ("章贡区", "寻乌县")
        counties.append({
            "rank": k + 1, "name": name, "region_code": code, "zone": ZONES[k % 3], "gdi": gdi,
            "assessment_score": round(gdi + 3.1, 2),
            "grade": "不合格" if vetoed else "优秀" if gdi + 3.1 >= 90 else "良好" if gdi + 3.1 >= 80 else "合格",
            "vetoed": vetoed, "category_scores": {c: round(gdi - 4 + j * 2.1, 2) for j, (c, _) in enumerate(CATEGORIES)},
            "targets_met": 33 - k % 5, "targets_total": 37, "report_href": f"county/{code}.html",
            "rank_p05": max(1, k - 1), "rank_p95": min(18, k + 3), "previous_gdi": gdi - 1.5 + (k % 4),
            "previous_rank": k + 1 + (2 if k % 3 == 0 else -1 if k else 0)})
    counties[-1]["category_scores"]["PV"] = None
    for k, c in enumerate(counties):  # last year's sub-indices: up, down and unchanged (rounds to 0.00)
        c["category_previous"] = {code: None if v is None else v + (0.5, -0.5, 0.001)[k % 3]
                                  for code, v in c["category_scores"].items()}
    county = county_context()
    grades = ["优秀", "良好", "合格", "不合格"]
    return {
        "doc": doc("bulletin", "赣州市2025年度生态文明建设评价考核结果公报"),
        "categories": [{"code": c, "name": n} for c, n in CATEGORIES],
        "counties": counties,
        "grade_distribution": [{"grade": g, "count": sum(c["grade"] == g for c in counties)} for g in grades],
        "grade_bands": [{"grade": g, "min": m} for g, m in zip(grades, (90, 80, 60, 0))],
        "vetoed": [{"name": "章贡区", "region_code": "360702", "grade": "不合格", "items": county["vetoes"]},
                   {"name": "寻乌县", "region_code": "360734", "grade": "不合格", "items": county["vetoes"][1:]}],
        # changes: previous = gdi − 1.5 + k % 4, so change = 1.5 − k % 4 ∈ {+1.5, +0.5, −0.5, −1.5}
        "movers": {"up": [c | {"change": c["gdi"] - c["previous_gdi"], "rank_change": c["previous_rank"] - c["rank"],
                               "improved": 20, "worsened": 8, "change_balance": 0.25}
                          for c in counties if c["gdi"] > c["previous_gdi"]][:5],
                   "down": [c | {"change": c["gdi"] - c["previous_gdi"], "rank_change": c["previous_rank"] - c["rank"],
                                 "improved": 8, "worsened": 21, "change_balance": -0.3}
                            for c in counties if c["gdi"] < c["previous_gdi"]][:5]},
        "change_note": "指数变化反映的是在参评县(市、区)中相对位置的变化。",
        "grade_summary": {"with_binding_missed": 1, "top": [],
                          "rows": [c | {"grade_gap": {"grade": "优秀", "min": 90, "distance": 1.2},
                                        "binding_missed_names": ["森林覆盖率"] if c["name"] == "章贡区" else []}
                                   for c in counties[1:4]]},
        "method_notes": ["个体指数采用效能系数法: 正向指标 60 + 40 × (x − 最小值)/(最大值 − 最小值), 逆向指标反之。",
                         "权数按 ★◆○ = 3:2:1 在全部指标间归一; 缺失指标按权数重新分配并注明。",
                         "一票否决: 发生规定的重大生态环境事件、耕地保有量低于红线或未完成节能目标的, 等级定为不合格。"],
    }


def steward_context() -> dict:
    """A rejected submission: one error rule with two failing cells, one warning; a cell holds markup."""
    return {"doc": doc("steward", "报送数据审核报告 — 市林业局_2025.xlsx"),
            "report": {"department": "lyj", "department_name": "市林业局", "file_name": "市林业局_2025.xlsx", "version": 3,
                       "status": "rejected", "errors": 1, "warnings": 1, "year": 2025,
                       "received_at": "2026-03-01 09:12:33.123", "encoding": None, "sha256": SHA,
                       "sheet": "2025年考核数据", "sheet_reason": "工作表名含本年度", "header_row": 2, "signatures": [],
                       "confirmations": [], "submission_id": 7, "kind": "indicators",
                       "annotated_workbook": "市林业局_2025_审核标注.xlsx",
                       "rules": [{"severity": "error", "rule": "森林覆盖率应在 0–100 之间", "rule_id": "EP01-range",
                                  "expected": "0 ≤ 值 ≤ 100", "fix": "按百分数填写, 不带 % 号",
                                  "rows": [{"row": 5, "region_name": "章贡区", "indicator_name": "森林覆盖率",
                                            "value": "176.4", "note": None},
                                           {"row": 9, "region_name": "赣县区", "indicator_name": "森林覆盖率",
                                            "value": XSS, "note": "不是数值"}]},
                                 {"severity": "warning", "rule": "湿地保护率较上年变化较大", "rule_id": "EP03-yoy",
                                  "expected": None, "fix": None, "rows": []}]}}


CONTEXTS = {"county": county_context, "cadre": cadre_context, "bulletin": bulletin_context,
            "steward": steward_context}


