"""The hand-worked scoring fixture of the mini jurisdiction, shared by the scoring and veto tests."""

from __future__ import annotations

from tests.support.mini import csv_bytes
from transforms.intake.receive import load_units, parse_received, receive_file

# Values (甲/乙/丙):  A (+, ★, target ≥ 50): 40 / 50 / 60
#                     B (−, ◆, target ≤ 20): 10 / 30 / 20
#                     C (+, ○, binding, target ≥ 10): 5 / 5 / 5
# Efficacy:  A: 60 + 40·(x − 40)/20  -> 60, 80, 100
#            B: 60 + 40·(30 − x)/20  -> 100, 60, 80
#            C: all equal            -> 100, 100, 100
# Weights 3:2:1 / 6 = 1/2, 1/3, 1/6.
# GDI: 甲 = 30 + 33.333 + 16.667 = 80.000; 乙 = 40 + 20 + 16.667 = 76.667; 丙 = 50 + 26.667 + 16.667 = 93.333
# Category X (A, B; weight 5/6): 甲 = 63.333/0.8333 = 76; 乙 = 60/0.8333 = 72; 丙 = 76.667/0.8333 = 92
# Targets met: 甲 B; 乙 A; 丙 A, B; C met by nobody (binding missed = 1 each).
# Weighted met share: 甲 1/3, 乙 1/2, 丙 5/6.
# Assessment = 80·share + 20·(GDI − 60)/40:
#   甲 = 26.667 + 10 = 36.667 (不合格); 乙 = 40 + 8.333 = 48.333 (不合格); 丙 = 66.667 + 16.667 = 83.333 (良好)
FILES = {
    "lyj": ["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"],
    "sthjj": ["行政区划代码,县(市、区),细颗粒物浓度(μg/m³)", "990001,甲县,10", "990002,乙县,30", "990003,丙县,20"],
    "zrzyj": ["行政区划代码,县(市、区),耕地保有量(万亩)", "990001,甲县,5", "990002,乙县,5", "990003,丙县,5"],
}


def submit_accepted(home, con, fw, files: dict[str, list[str]], year: int = 2025) -> None:
    """Receive and parse like the pipeline does, then accept (validation has its own tests)."""
    for dept, lines in files.items():
        receive_file(con, home, csv_bytes(lines), f"{dept}.csv", dept, year)
    parse_received(con, home, fw, load_units())
    con.execute("UPDATE submission SET status = 'accepted' WHERE status = 'received'")


# An events file and a cadre roster of the mini jurisdiction (veto, attribution and report tests).
EVENTS = ["事件编号,行政区划代码,县(市、区),事件日期,事件类型,严重程度,事件描述",
          "E1,990003,丙县,2025-06-14,重特大突发环境事件,重大,尾矿库渗漏<script>x</script>",
          "E2,990001,甲县,2025-03-01,一般突发环境事件,一般,异味投诉"]
TENURES = ["干部编号,姓名,职务,行政区划代码,县(市、区),任职开始,任职结束,是否代理",
           "K1,赵一,党委书记,990001,甲县,2020-01-01,2025-06-30,否",   # moves to 丙县 on 1 July
           "K1,赵一,党委书记,990003,丙县,2025-07-01,,否",
           "K2,钱二,政府主要负责人,990001,甲县,2022-05-01,,否",
           "K3,孙三,党委书记,990003,丙县,2019-01-01,2025-06-30,否",
           "K4,李四,党委书记,990001,甲县,2025-07-01,,是"]
