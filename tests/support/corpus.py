"""Builders for the bad-submission corpus (issue #9) and the heavy-case runner.

Every file is built here from scratch (no binary fixtures in the repository): CSVs in the
encodings Chinese offices produce, XLSX written with openpyxl or by hand as a zip, an encrypted
workbook made with msoffcrypto-tool, and bombs. The mini jurisdiction is tests/conftest.py's:
counties 990001 甲县, 990002 乙县, 990003 丙县; indicators A 森林覆盖率(%, 0–100, 市林业局 lyj),
B 细颗粒物浓度(μg/m³, 0–300, 市生态环境局 sthjj), C 耕地保有量(万亩, 0–200, 市自然资源局 zrzyj).

Run as a script (`python -m tests.support.corpus DATA HOME CASE_ID`) it puts one heavy case through the
submission path in a fresh process and prints a JSON line with its outcome, time and peak memory,
so the test can bound both with resource limits.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import openpyxl

HEADER = ["行政区划代码", "县(市、区)", "森林覆盖率(%)"]
COUNTIES = [("990001", "甲县"), ("990002", "乙县"), ("990003", "丙县")]
YEAR = 2025


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(str(c) for c in r) for r in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def lyj_rows(values=("41", "51", "61"), header=HEADER) -> list[list[str]]:
    """市林业局's wide table: header, then one row per county (CSV lines 2–4)."""
    return [list(header)] + [[c, n, v] for (c, n), v in zip(COUNTIES, values)]


def lyj_csv(values=("41", "51", "61"), **kw) -> bytes:
    return csv_bytes(lyj_rows(values), **kw)


def xlsx_bytes(rows: list[list], merges: tuple[str, ...] = (), title: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def lyj_xlsx(values=(41, 51, 61)) -> bytes:
    return xlsx_bytes(lyj_rows(values))


def encrypted_xlsx() -> bytes:
    """A real password-protected workbook (ECMA-376 agile encryption in an OLE container)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(lyj_xlsx())).encrypt("密码123", out)
    return out.getvalue()


def truncated_xlsx() -> bytes:
    raw = lyj_xlsx()
    return raw[: len(raw) // 2]


def corrupt_xlsx() -> bytes:
    """Flip bytes inside the compressed worksheet: the zip directory is intact, the data is not."""
    raw = bytearray(lyj_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size, 60)):
        raw[i] ^= 0x5A
    return bytes(raw)


def zip_not_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "这不是 Excel 文件")
    return buf.getvalue()


_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                  b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                  b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                  b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                  b'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                  b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def handmade_xlsx(sheet_xml_chunks, dimension: str | None = None) -> bytes:
    """A minimal workbook whose sheet XML is streamed from `sheet_xml_chunks` (bytes), so a bomb
    of hundreds of megabytes uncompressed is written without holding it in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main">')
            if dimension:
                fh.write(f'<dimension ref="{dimension}"/>'.encode())
            fh.write(b"<sheetData>")
            for chunk in sheet_xml_chunks:
                fh.write(chunk)
            fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def _istr(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def dimension_bomb_xlsx() -> bytes:
    """Tiny file, two real cells: A1 and XFD1048576. Read densely that is 17 billion cells."""
    return handmade_xlsx([b'<row r="1">' + _istr("A1", "行政区划代码") + _istr("B1", "县(市、区)") + b"</row>",
                          b'<row r="1048576">' + _istr("XFD1048576", "x") + b"</row>"], dimension="A1:XFD1048576")


def ratio_bomb_xlsx(megabytes: int = 256) -> bytes:
    """A few hundred MB of sheet XML (one repeated row) that deflates to well under 1 MB."""
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    per_chunk = (1 << 20) // len(row)
    chunk = row * per_chunk
    return handmade_xlsx(chunk for _ in range(megabytes))


def big_csv(megabytes: int = 50) -> bytes:
    """A 50 MB CSV: the right header, then a million junk rows."""
    head = csv_bytes(lyj_rows())
    line = b"990001,\xe7\x94\xb2\xe5\x8e\xbf,41\r\n"
    return head + line * ((megabytes * (1 << 20) - len(head)) // len(line) + 1)


def many_cells_csv() -> bytes:
    """Under the size limit but millions of one-character cells (each a Python string if read)."""
    return csv_bytes(lyj_rows()) + (b"1," * 999 + b"1\r\n") * 4000


def garbage(n: int = 4096, seed: int = 9) -> bytes:
    return random.Random(seed).randbytes(n)


def sheets_xlsx(*sheets: tuple[str, list[list], str], merges: dict[str, tuple[str, ...]] | None = None,
                formats: dict[tuple[str, str], str] | None = None) -> bytes:
    """A workbook of (name, rows, state) sheets, state "visible" or "hidden", as a steward's Excel has them."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, state in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        ws.sheet_state = state
        for m in (merges or {}).get(name, ()):
            ws.merge_cells(m)
    for (name, ref), fmt in (formats or {}).items():
        wb[name][ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def lyj_numbers(values=(41, 51, 61)) -> list[list]:
    return [list(HEADER)] + [[c, n, v] for (c, n), v in zip(COUNTIES, values)]


def land_csv(values=("12", "95", "9"), header="耕地保有量(万亩)") -> bytes:
    """市自然资源局's table: 耕地保有量 carries a binding target and a one-vote veto (V-LAND)."""
    return csv_bytes([["行政区划代码", "县(市、区)", header]] + [[c, n, v] for (c, n), v in zip(COUNTIES, values)])


def garbled_csv() -> bytes:
    """UTF-8 text opened as GBK in an editor and saved again as UTF-8: every header is mojibake."""
    text = "\r\n".join(",".join(r) for r in lyj_rows()) + "\r\n"
    return text.encode("utf-8").decode("gb18030", errors="replace").encode("utf-8")


def events_csv(rows: list[list[str]]) -> bytes:
    header = ["事件编号", "行政区划代码", "县(市、区)", "事件日期", "事件类型", "严重程度", "事件描述"]
    return csv_bytes([header] + rows)


# ------------------------------------------------------------------ the corpus

@dataclass(frozen=True)
class Case:
    """One bad submission and what must happen to it.

    outcome: "unreadable" (rejected before validation), "rejected" (validation error),
    "warning" (accepted with a warning), "accepted" (tolerated input, read correctly), "held"
    (a warning on a veto or binding indicator: not scored until confirmed).
    rule: the rule id the steward's message must cite; row: the row it must name;
    says: further fragments the message must contain; values: for accepted cases, the
    (region, indicator) -> value the warehouse must now hold.
    """

    id: str
    file_name: str
    build: Callable[[], bytes]
    outcome: str
    rule: str | tuple[str, ...] | None = None  # a tuple: any of these (same rule in another module)
    row: int | None = None
    department: str = "lyj"
    says: tuple[str, ...] = ()
    values: dict = field(default_factory=dict)
    heavy: bool = False
    signed: tuple[str, ...] = ()  # roles the file's signature block must be recorded with


def _one_bad_value(v: str, row: int = 3) -> Callable[[], bytes]:
    values = ["41", "51", "61"]
    values[row - 2] = v
    return lambda: lyj_csv(tuple(values))


def _gbk_after_utf8() -> bytes:
    """Lines 1–3 UTF-8, line 4 pasted from a GBK file."""
    rows = lyj_rows()
    return csv_bytes(rows[:3]) + csv_bytes(rows[3:], "gbk")


CASES: list[Case] = [
    # ---- empty and unreadable files
    Case("empty_csv", "林业局.csv", lambda: b"", "unreadable", "file.unreadable", says=("为空",)),
    Case("empty_xlsx", "林业局.xlsx", lambda: b"", "unreadable", "file.unreadable", says=("为空",)),
    Case("blank_lines_only", "林业局.csv", lambda: b"\r\n  \r\n,,,\r\n", "unreadable", "file.no_header"),
    Case("header_only_zero_rows", "林业局.csv", lambda: csv_bytes([HEADER]), "rejected", "table.no_rows",
         says=("没有数据行",)),
    Case("header_and_empty_rows", "林业局.csv", lambda: csv_bytes([HEADER] + [[""] * 3] * 50), "rejected",
         "table.no_rows"),
    Case("garbage_named_csv", "林业局.csv", garbage, "unreadable", "file.encoding", says=("编码",)),
    Case("garbage_named_xlsx", "林业局.xlsx", garbage, "unreadable", "file.unreadable", says=("Excel",)),
    Case("nul_bytes_csv", "林业局.csv", lambda: lyj_csv().replace(b"41", b"4\x001"), "rejected", "value.present",
         row=2),
    Case("zip_not_xlsx", "林业局.xlsx", zip_not_xlsx, "unreadable", "file.unreadable"),
    Case("truncated_xlsx", "林业局.xlsx", truncated_xlsx, "unreadable", "file.unreadable"),
    Case("corrupt_xlsx", "林业局.xlsx", corrupt_xlsx, "unreadable", "file.unreadable"),
    Case("encrypted_xlsx", "林业局.xlsx", encrypted_xlsx, "unreadable", "file.unreadable", says=("密码",)),
    Case("old_xls_renamed", "林业局.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + garbage(2000),
         "unreadable", "file.unreadable", says=(".xlsx",)),
    Case("unsupported_suffix", "林业局.pdf", lyj_csv, "unreadable", "file.unreadable", says=("不支持",)),
    Case("dimension_bomb_xlsx", "林业局.xlsx", dimension_bomb_xlsx, "unreadable", "file.too_large",
         says=("行", "列"), heavy=True),
    Case("ratio_bomb_xlsx", "林业局.xlsx", ratio_bomb_xlsx, "unreadable", "file.too_large", says=("解压",),
         heavy=True),
    Case("fifty_mb_csv", "林业局.csv", big_csv, "unreadable", "file.too_large", says=("MB",), heavy=True),
    Case("million_cells_csv", "林业局.csv", many_cells_csv, "unreadable", "file.too_large", says=("单元格",),
         heavy=True),
    # ---- encodings
    Case("gbk_csv", "林业局.csv", lambda: lyj_csv(encoding="gbk"), "accepted",
         values={("990001", "A"): 41.0}),
    Case("utf8_bom", "林业局.csv", lambda: lyj_csv(bom=True), "accepted", values={("990003", "A"): 61.0}),
    Case("bom_declares_utf8_body_gbk", "林业局.csv", lambda: lyj_csv(encoding="gbk", bom=True), "unreadable",
         "file.encoding", row=1, says=("UTF-8", "GBK")),
    Case("utf16_unicode_text", "林业局.csv", lambda: "\ufeff行政区划代码\t县(市、区)\r\n".encode("utf-16-le"),
         "unreadable", "file.encoding", says=("UTF-16",)),
    Case("mixed_utf8_and_gbk", "林业局.csv", _gbk_after_utf8, "unreadable", "file.encoding", row=4,
         says=("混用",)),
    Case("invalid_bytes_in_gbk", "林业局.csv", lambda: lyj_csv(encoding="gbk").replace(b"61", b"6\xff"),
         "unreadable", "file.encoding", row=4),
    # ---- layout
    Case("header_on_fourth_row", "林业局.csv", lambda: csv_bytes([["测试市2025年度填报表"], [""], ["单位: 市林业局"]]
                                                                 + lyj_rows()), "accepted",
         values={("990002", "A"): 51.0}),
    Case("header_too_far_down", "林业局.csv", lambda: csv_bytes([["说明"]] * 35 + lyj_rows()), "unreadable",
         "file.no_header", says=("表头",)),
    Case("merged_title_and_value_cells", "林业局.xlsx",
         lambda: xlsx_bytes(lyj_rows((41, 51, None)), merges=("A1:C1", "C4:C5"), title="2025年度 市林业局 填报表"),
         "rejected", "value.present", row=5),
    Case("duplicate_indicator_header", "林业局.csv",
         lambda: csv_bytes([HEADER + ["森林覆盖率(%)"]] + [r + ["1"] for r in lyj_rows()[1:]]), "rejected",
         "header.duplicate", row=1),
    Case("duplicate_region_header", "林业局.csv",
         lambda: csv_bytes([["行政区划代码"] + HEADER] + [[r[0]] + r for r in lyj_rows()[1:]]), "rejected",
         "header.duplicate", row=1),
    Case("missing_indicator_column", "林业局.csv", lambda: csv_bytes([r[:2] for r in lyj_rows()]), "rejected",
         "columns.required"),
    Case("no_region_columns", "林业局.csv", lambda: csv_bytes([r[2:] for r in lyj_rows()]), "unreadable",
         "file.no_header", says=("行政区划代码",)),
    Case("extra_column", "林业局.csv",
         lambda: csv_bytes([r + [x] for r, x in zip(lyj_rows(), ["联系人", "", "", ""])]),
         "warning", "header.unknown_column", row=1, says=("联系人",)),
    Case("other_departments_indicator", "林业局.csv",
         lambda: csv_bytes([r + [x] for r, x in zip(lyj_rows(), ["细颗粒物浓度(μg/m³)", "10", "10", "10"])]),
         "warning", "columns.foreign", row=1, says=("细颗粒物浓度",), values={("990001", "A"): 41.0}),
    Case("semicolon_separated", "林业局.csv",
         lambda: b"\r\n".join(b";".join(c.encode() for c in r) for r in lyj_rows()), "unreadable",
         "file.delimiter", says=("分号",)),
    Case("unbalanced_quote", "林业局.csv", lambda: lyj_csv().replace(b"51", b'"51'), "rejected",
         "region.complete"),
    # ---- regions
    Case("unknown_region_code", "林业局.csv", lambda: lyj_csv().replace(b"990003", b"990009"), "rejected",
         "region.code_known", row=4, says=("990009",)),
    Case("city_code_instead_of_county", "林业局.csv", lambda: lyj_csv().replace(b"990002", b"990000"), "rejected",
         "region.code_known", row=3),
    Case("unknown_region_name", "林业局.csv",
         lambda: csv_bytes([["县(市、区)", "森林覆盖率(%)"], ["甲县", "41"], ["乙县", "51"], ["丁县", "61"]]),
         "rejected", "region.name_known", row=4, says=("丁县",)),
    Case("fullwidth_region_code", "林业局.csv", lambda: lyj_csv().replace(b"990001", "９９０００１".encode()),
         "accepted", values={("990001", "A"): 41.0}),
    Case("county_missing", "林业局.csv", lambda: csv_bytes(lyj_rows()[:3]), "rejected", "region.complete",
         says=("丙县",)),
    Case("county_twice_different_values", "林业局.csv", lambda: csv_bytes(lyj_rows() + [["990002", "乙县", "55"]]),
         "rejected", "region.unique", row=5),
    # ---- values
    Case("value_nan", "林业局.csv", _one_bad_value("NaN"), "rejected", "value.present", row=3, says=("NaN",)),
    Case("value_inf", "林业局.csv", _one_bad_value("inf"), "rejected", "value.present", row=3, says=("inf",)),
    Case("value_minus_infinity", "林业局.csv", _one_bad_value("-Infinity"), "rejected", "value.present", row=3),
    Case("value_1e308", "林业局.csv", _one_bad_value("1e308"), "rejected", "value.range", row=3, says=("1e308",)),
    Case("value_1e308_overflows_on_conversion", "林业局.csv",
         lambda: csv_bytes(lyj_rows(("0.41", "1e308", "0.61"), header=HEADER[:2] + ["森林覆盖率(比值)"])),
         "rejected", "value.range", row=3),
    Case("negative_where_impossible", "林业局.csv", _one_bad_value("-5"), "rejected", "value.range", row=3,
         says=("-5",)),
    # a value written with % is a percentage whatever unit its column declares: 85% is 85 (%)
    Case("percent_sign_in_ratio_column", "林业局.csv",
         lambda: csv_bytes(lyj_rows(("0.41", "85%", "0.61"), header=HEADER[:2] + ["森林覆盖率(比值)"])),
         "accepted", values={("990001", "A"): 41.0, ("990002", "A"): 85.0}),
    Case("percent_sign_in_percent_column", "林业局.csv", _one_bad_value("85%"), "accepted",
         values={("990002", "A"): 85.0}),
    Case("fullwidth_digits", "林业局.csv", _one_bad_value("８５．５"), "accepted", values={("990002", "A"): 85.5}),
    Case("thousands_separators", "资源局.csv",
         lambda: csv_bytes([["行政区划代码", "县(市、区)", "耕地保有量(亩)"], ["990001", "甲县", '"123,000"'],
                            ["990002", "乙县", '"1,000,000"'], ["990003", "丙县", "90000"]]), "accepted",
         department="zrzyj", values={("990001", "C"): 12.3, ("990002", "C"): 100.0}),
    # `85,5` is refused as a number (a thousands separator groups three digits), not read as 855
    Case("european_decimal_comma", "林业局.csv", _one_bad_value('"85,5"'), "rejected", "value.present", row=3),
    Case("chinese_numerals", "林业局.csv", _one_bad_value("八十五"), "rejected", "value.present", row=3,
         says=("八十五",)),
    Case("value_with_unit_text", "林业局.csv", _one_bad_value("85平方公里"), "rejected", "value.present", row=3),
    Case("formula_text_in_csv", "林业局.csv", _one_bad_value("=1+1"), "rejected", "value.present", row=3,
         says=("=1+1",)),
    Case("formula_without_cached_value_xlsx", "林业局.xlsx", lambda: lyj_xlsx((41, "=1+1", 61)), "rejected",
         "value.present", row=3),
    Case("hyperlink_formula_csv", "林业局.csv", _one_bad_value('"=HYPERLINK(""http://example.invalid"",""点我"")"'),
         "rejected", "value.present", row=3),
    # ---- declared year, department and unit
    Case("wrong_year_in_title", "林业局.csv",
         lambda: csv_bytes([["测试市2024年度生态文明建设考核指标数据填报表 — 市林业局"]] + lyj_rows()), "rejected",
         ("file.year", "declaration.year"), row=1, says=("2024", "2025")),
    Case("wrong_department_in_title", "林业局.csv",
         lambda: csv_bytes([["测试市2025年度生态文明建设考核指标数据填报表 — 市生态环境局"]] + lyj_rows()), "rejected",
         ("file.department", "declaration.department"), row=1, says=("市生态环境局", "市林业局")),
    Case("unknown_unit", "林业局.csv", lambda: csv_bytes(lyj_rows(header=HEADER[:2] + ["森林覆盖率(公顷)"])), "rejected",
         "header.unknown_unit", row=1, says=("公顷",)),
    Case("made_up_unit", "林业局.csv", lambda: csv_bytes(lyj_rows(header=HEADER[:2] + ["森林覆盖率(xyz)"])),
         "rejected", "header.unknown_unit", row=1),
    # ---- text fields
    Case("very_long_text_cell", "环境事件.csv",
         lambda: events_csv([["E1", "990001", "甲县", "2025-03-01", "一般突发环境事件", "一般", "长" * 40000]]),
         "unreadable", "file.too_large", row=2, department="sthjj", says=("32767",)),
    Case("long_but_legal_text", "环境事件.csv",
         lambda: events_csv([["E1", "990001", "甲县", "2025-03-01", "一般突发环境事件", "一般", "长" * 5000]]),
         "accepted", department="sthjj"),
    Case("html_and_script_in_text", "环境事件.csv",
         lambda: events_csv([["E1", "990001", "甲县", "2025-03-01", "一般突发环境事件", "一般",
                              "<script>alert(1)</script><b>粗体</b>"]]), "accepted", department="sthjj"),
    Case("html_in_region_code", "林业局.csv", lambda: lyj_csv().replace(b"990003", b"<img src=x onerror=alert(1)>"),
         "rejected", "region.code_known", row=4),
    Case("formula_in_text_field", "环境事件.csv",
         lambda: events_csv([["E1", "990001", "甲县", "2025-03-01", "一般突发环境事件", "一般", "=HYPERLINK(\"x\")"]]),
         "accepted", department="sthjj"),
    # ---- file names from outside (the archive name is derived; the name is only a label)
    Case("name_with_path_parts", "../../../etc/林业局.csv", lyj_csv, "accepted"),
    Case("name_absolute_path", "/etc/passwd.csv", lyj_csv, "accepted"),
    Case("name_with_spaces", "林业局 2025 终稿 (2).csv", lyj_csv, "accepted"),
    Case("name_with_shell_metacharacters", "$(touch pwned);`id`|&>x'\".csv", lyj_csv, "accepted"),
    Case("name_leading_dash", "-rf --no-preserve-root.csv", lyj_csv, "accepted"),
    Case("name_with_newline_and_html", "a\n<script>.csv", lyj_csv, "accepted"),
    Case("name_very_long", "林" * 300 + ".csv", lyj_csv, "accepted"),

    # ---- issue 17: never read numbers other than the file means
    # a region code that disagrees with the name on its row
    Case("row_pasted_from_another_county", "林业局.csv",
         lambda: csv_bytes([HEADER, ["990001", "甲县", "41"], ["990003", "乙县", "51"], ["990003", "丙县", "61"]]),
         "rejected", "region.code_name_mismatch", row=3, says=("990003", "乙县", "丙县", "A 列")),
    Case("code_column_shifted_against_names", "林业局.csv",
         lambda: csv_bytes([HEADER, ["990002", "甲县", "41"], ["990003", "乙县", "51"], ["990001", "丙县", "61"]]),
         "rejected", "region.code_name_mismatch", row=2, says=("990002", "甲县", "乙县")),
    # several sheets: chosen only by an unambiguous rule, never a hidden one silently
    Case("hidden_old_sheet_in_front", "林业局.xlsx",
         lambda: sheets_xlsx(("旧数据", lyj_numbers((1, 2, 3)), "hidden"), ("Sheet1", lyj_numbers(), "visible")),
         "accepted", values={("990001", "A"): 41.0, ("990003", "A"): 61.0}),
    Case("data_only_on_hidden_sheet", "林业局.xlsx",
         lambda: sheets_xlsx(("填报说明", [["请填写数据"]], "visible"), ("数据", lyj_numbers(), "hidden")),
         "unreadable", "file.sheet_hidden", says=("隐藏", "“数据”", "取消隐藏")),
    Case("draft_sheet_before_final", "林业局.xlsx",
         lambda: sheets_xlsx(("草稿", lyj_numbers((1, 2, 3)), "visible"), ("终稿", lyj_numbers(), "visible")),
         "unreadable", "file.sheet_ambiguous", says=("草稿", "终稿", "2025")),
    Case("two_sheets_both_look_like_data", "林业局.xlsx",
         lambda: sheets_xlsx(("Sheet1", lyj_numbers(), "visible"), ("Sheet2", lyj_numbers((1, 2, 3)), "visible")),
         "unreadable", "file.sheet_ambiguous", says=("Sheet1", "Sheet2")),
    Case("one_tab_per_year_last_year_first", "林业局.xlsx",
         lambda: sheets_xlsx(("2024年", lyj_numbers((1, 2, 3)), "visible"), ("2025年", lyj_numbers(), "visible")),
         "accepted", values={("990002", "A"): 51.0}),
    Case("only_last_years_tab", "林业局.xlsx", lambda: sheets_xlsx(("2024年", lyj_numbers(), "visible")),
         "unreadable", "file.sheet_ambiguous", says=("2024年",)),
    Case("sheet_named_for_the_department", "林业局.xlsx",
         lambda: sheets_xlsx(("汇总", lyj_numbers((1, 2, 3)), "visible"), ("市林业局", lyj_numbers(), "visible")),
         "accepted", values={("990003", "A"): 61.0}),
    # last year's file sent again; a title or year cell naming another year
    Case("resend_of_last_years_file", "林业局.csv", lambda: lyj_csv(("42", "60", "62")), "rejected",
         "resend.last_year", says=("2024", "3 个数值中 3 个")),
    Case("resend_of_last_years_one_indicator_file", "资源局.csv", lambda: land_csv(("12", "95", "9")), "rejected",
         "resend.last_year", department="zrzyj", says=("上一年度",)),
    Case("unchanged_value_explained_in_note", "林业局.csv",
         lambda: csv_bytes([HEADER + ["备注"], ["990001", "甲县", "42", "森林资源二类调查五年一次, 本年沿用"],
                            ["990002", "乙县", "60", "同上"], ["990003", "丙县", "63", ""]]),
         "accepted", values={("990001", "A"): 42.0}),
    Case("year_column_names_last_year", "林业局.csv",
         lambda: csv_bytes([HEADER + ["年度"]] + [r + ["2024"] for r in lyj_rows()[1:]]), "rejected",
         "declaration.year", row=2, says=("2024",)),
    # percentages written as fractions, numbers that lost digits
    Case("percent_column_as_fractions_csv", "林业局.csv", lambda: lyj_csv(("0.41", "0.51", "0.61")), "rejected",
         "value.percent_as_fraction", row=2, says=("0.41", "乘以 100", "C 列")),
    Case("percent_column_as_fractions_xlsx", "林业局.xlsx", lambda: lyj_xlsx((0.41, 0.51, 0.61)), "rejected",
         "value.percent_as_fraction", row=2, says=("百分比格式",)),
    Case("percent_formatted_fractions_are_fine", "林业局.xlsx",
         lambda: sheets_xlsx(("数据", lyj_numbers((0.41, 0.51, 0.61)), "visible"),
                             formats={("数据", f"C{r}"): "0%" for r in (2, 3, 4)}),
         "accepted", values={("990001", "A"): 41.0}),
    Case("scientific_notation_lost_digits", "资源局.csv",
         lambda: land_csv(("12", "1.2E+05", "9"), header="耕地保有量(亩)"), "rejected", "value.scientific", row=3,
         department="zrzyj", says=("1.2E+05", "科学计数法", "C 列")),
    # headers a steward's Excel produces
    Case("header_cells_with_line_breaks", "林业局.csv",
         lambda: csv_bytes([['"行政区划\n代码"', "县(市、区)", '"森林覆盖率\r\n(%)"']] + lyj_rows()[1:]), "accepted",
         values={("990002", "A"): 51.0}),
    Case("header_cells_with_line_breaks_xlsx", "林业局.xlsx",
         lambda: sheets_xlsx(("数据", [["行政区划\n代码", "县(市、区)", "森林\n覆盖率(%)"]] + lyj_numbers()[1:], "visible")),
         "accepted", values={("990003", "A"): 61.0}),
    Case("category_row_above_the_header", "林业局.xlsx",
         lambda: sheets_xlsx(("数据", [["基本情况", None, "生态保护"]] + lyj_numbers(), "visible"),
                             merges={"数据": ("A1:B1",)}), "accepted", values={("990001", "A"): 41.0}),
    Case("two_row_header_merged_region_cells", "林业局.xlsx",
         lambda: sheets_xlsx(("数据", [["行政区划代码", "县(市、区)", "生态保护指标"], [None, None, "森林覆盖率(%)"]]
                              + lyj_numbers()[1:], "visible"), merges={"数据": ("A1:A2", "B1:B2")}),
         "accepted", values={("990002", "A"): 51.0}),
    Case("two_row_header_with_units_row", "林业局.csv",
         lambda: csv_bytes([["行政区划代码", "县(市、区)", "森林覆盖率"], ["", "", "%"]] + lyj_rows()[1:]), "accepted",
         values={("990003", "A"): 61.0}),
    Case("two_row_header_unreadable", "林业局.csv",
         lambda: csv_bytes([["行政区划代码", "县(市、区)", "森林覆盖率(%)"], ["", "", "上半年"]] + lyj_rows()[1:]),
         "unreadable", "header.two_rows", says=("两行", "上半年", "C 列")),
    Case("header_split_over_two_rows", "林业局.csv",
         lambda: csv_bytes([["行政区划", "县(市、", "森林覆盖率"], ["代码", "区)", "(%)"]] + lyj_rows()[1:]),
         "unreadable", "file.no_header", says=("两行",)),
    Case("tab_delimited_saved_as_csv", "林业局.csv",
         lambda: "\r\n".join("\t".join(r) for r in lyj_rows()).encode("gbk"), "accepted",
         values={("990002", "A"): 51.0}),
    Case("utf8_garbled_through_another_code_page", "林业局.csv", garbled_csv, "unreadable", "file.no_header",
         says=("乱码", "行政区划代码")),
    # dates
    Case("event_date_month_only", "环境事件.csv",
         lambda: events_csv([["E1", "990001", "甲县", "2025.12", "一般突发环境事件", "一般", "x"]]), "rejected",
         "date.format", row=2, department="sthjj", says=("2025.12", "缺少日", "2025年3月1日", "D 列")),
    Case("event_date_chinese_month_only", "环境事件.csv",
         lambda: events_csv([["E1", "990001", "甲县", "2025年12月", "一般突发环境事件", "一般", "x"]]), "rejected",
         "date.format", row=2, department="sthjj", says=("2025年12月",)),
    Case("event_date_written_in_chinese", "环境事件.csv",
         lambda: events_csv([["E1", "990001", "甲县", "2025年3月1日", "一般突发环境事件", "一般", "x"],
                             ["E2", "990002", "乙县", "2025.4.2", "一般突发环境事件", "一般", "y"]]), "accepted",
         department="sthjj"),
    # signature rows under the table are the file's declaration, not data
    Case("signature_rows_under_the_table", "林业局.csv",
         lambda: csv_bytes(lyj_rows() + [[""], ["填报人：王芳", "审核人：李强", ""], ["联系电话：0797-8123456", "",
                                                                          "填报日期：2026年1月8日"]]),
         "accepted", values={("990003", "A"): 61.0}, signed=("填报人", "审核人", "联系电话", "填报日期")),
    Case("template_signature_block_left_blank", "林业局.xlsx",
         lambda: sheets_xlsx(("2025年考核数据", lyj_numbers() + [[], ["填报人：", None, "联系电话："]], "visible")),
         "accepted", values={("990001", "A"): 41.0}),
    # a plausibility warning on an indicator with a veto and a binding target holds the file
    Case("veto_indicator_changed_beyond_bound", "资源局.csv", lambda: land_csv(("12", "190", "9.5")), "held",
         "plausibility.change", row=3, department="zrzyj", says=("待确认", "耕地保有量")),
]


def run_case(data_dir: str, home_dir: str, case_id: str) -> dict:
    """Put one case through receive_file → parse_received → (validate_pending) in this process."""
    import hashlib
    import resource
    import time
    from pathlib import Path

    from transforms.config.framework import load_framework
    from transforms.intake.receive import load_units, parse_received, receive_file
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect, rows

    case = next(c for c in CASES if c.id == case_id)
    raw = case.build()
    home = Home.resolve(home_dir)
    fw = load_framework(Path(data_dir) / "frameworks" / "mini.yaml")
    t0 = time.perf_counter()
    con = connect(home.warehouse)
    sid = receive_file(con, home, raw, case.file_name, case.department, YEAR).submission_id
    parse_received(con, home, fw, load_units(Path(data_dir)))
    if rows(con, "SELECT count(*) FROM submission WHERE status = 'received' AND kind IS NOT NULL")[0][0]:
        from expectations.validate import validate_pending  # as flows.stages.validate: only if needed

        validate_pending(con, home, fw)
    status, kind, message, archive = rows(con, "SELECT status, kind, message, archive_path FROM submission "
                                               "WHERE submission_id = ?", [sid])[0]
    rules = [r[0] for r in rows(con, "SELECT rule_id FROM validation_result WHERE submission_id = ? AND NOT success",
                                [sid])]
    con.close()
    return {"status": status, "kind": kind, "message": message, "rules": rules,
            "archive_sha256": hashlib.sha256((home.root / archive).read_bytes()).hexdigest(),
            "input_sha256": hashlib.sha256(raw).hexdigest(), "input_bytes": len(raw),
            "seconds": time.perf_counter() - t0,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run_case(*sys.argv[1:4]), ensure_ascii=False))
