"""Guards on received files: limits checked before a file is read, and checks after it is parsed.

A submission comes from outside and may be broken or hostile: a 1.6 KB workbook whose two cells
sit at A1 and XFD1048576 makes the Excel reader allocate 17 billion cells and abort the process;
a few hundred kilobytes of zip can inflate to gigabytes; a 50 MB CSV becomes millions of Python
strings. So before reading, the size, the uncompressed size of a workbook and the extent of its
sheets are checked against fixed limits (far above any real departmental file: a national-scale
long-form file of 2,851 counties × 60 indicators is ~170,000 rows and ~10 MB). After parsing, what
the file says about itself (year and department in its title) and what it contains (indicators of
another department, county names not in the jurisdiction) are checked against where it was sent.

Functions here return Chinese messages (naming the file and, where there is one, the row) and
never raise on bad input; `transforms.intake.parse` turns a refusal into its `ParseError`.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import polars as pl

MB = 1 << 20
MAX_FILE_BYTES = 32 * MB          # as received
MAX_UNCOMPRESSED_BYTES = 200 * MB  # all parts of an .xlsx together, once inflated
MAX_ROWS = 500_000
MAX_COLUMNS = 1_000
MAX_CELLS = 3_000_000             # rows × columns as the reader would allocate them
MAX_CELL_CHARS = 32_767           # Excel's own limit for one cell: longer text cannot come from Excel

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,7})"')
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})"')

Refusal = tuple[str, str]  # (rule id, message)


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def size_refusal(size: int, file_name: str) -> Refusal | None:
    """A file over the size limit: decided from its size alone, before it is read."""
    if size <= MAX_FILE_BYTES:
        return None
    return "file.too_large", (f"文件 {file_name}: 文件大小 {_mb(size)}, 超过上限 {_mb(MAX_FILE_BYTES)}, 不予读取。"
                              "一个部门一年的考核数据远小于此; 请检查是否误传了其他文件或多余的工作表。")


def file_refusal(raw: bytes, file_name: str) -> Refusal | None:
    """Why a file must not be read at all, or None. Costs at most one pass over the bytes."""
    if not raw:
        return "file.unreadable", f"文件 {file_name}: 文件为空(0 字节)。请确认保存后重新报送。"
    too_large = size_refusal(len(raw), file_name)
    if too_large:
        return too_large
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        return _workbook_refusal(raw, file_name)
    if file_name.lower().endswith((".csv", ".txt")):
        cells = raw.count(b",") + raw.count(b"\n")  # neither byte occurs inside a GBK or UTF-8 character
        if cells > MAX_CELLS:
            return "file.too_large", (f"文件 {file_name}: 约 {cells:,} 个单元格, 超过上限 {MAX_CELLS:,}。"
                                      "请只报送本部门的考核数据表。")
        return _text_refusal(raw, file_name)
    return None


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _text_refusal(raw: bytes, file_name: str) -> Refusal | None:
    """Text that is neither UTF-8 nor GBK/GB18030 throughout: UTF-16, a UTF-8 BOM over GBK bytes,
    lines pasted from files in both encodings, or bytes valid in neither (line named)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "file.encoding", (f"文件 {file_name}: 文字编码为 UTF-16(Excel 的“Unicode 文本”格式), 不是 CSV 文件。"
                                 "请在 Excel 中另存为“CSV UTF-8(逗号分隔)”后重新报送。")
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if bom:
            return "file.encoding", (f"文件 {file_name} 第 {_line_of(raw, exc.start)} 行: 文件开头标明为 UTF-8 编码(BOM), "
                                     "但内容含有非 UTF-8 字符(可能是 GBK 编码)。请在 Excel 中重新另存为“CSV UTF-8(逗号分隔)”"
                                     "后报送。")
    mixed = _mixed_encoding_line(raw)
    if mixed:
        return "file.encoding", (f"文件 {file_name} 第 {mixed} 行: 文件混用了 UTF-8 和 GBK 两种文字编码(常见于从不同文件"
                                 "复制粘贴), 无法可靠识别。请在 Excel 中打开并另存为“CSV UTF-8(逗号分隔)”后重新报送。")
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        return "file.encoding", (f"文件 {file_name} 第 {_line_of(raw, exc.start)} 行: 无法识别文字编码(既不是 UTF-8 也不是 "
                                 f"GBK/GB18030), 第 {exc.start} 字节处出错。请在 Excel 中另存为“CSV UTF-8”或“CSV(逗号分隔)”"
                                 "后重新报送。")
    return None


_CHINESE_UTF8 = re.compile(r"[\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_IDEOGRAPHS = re.compile(r"[\u4e00-\u9fff]")


def _mixed_encoding_line(raw: bytes) -> int | None:
    """In a file that is not UTF-8 as a whole: if some line is Chinese in UTF-8 (three or more
    ideographs and nothing outside CJK ranges; a GBK line practically never decodes so: 0 of 20,000
    random GBK tables), return the first line in the other encoding."""
    utf8, other = None, None
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            other = other or n
            continue
        if len(_IDEOGRAPHS.findall(text)) >= 3 and all(ch.isascii() or _CHINESE_UTF8.match(ch) for ch in text):
            utf8 = utf8 or n
    if utf8 is None or other is None:
        return None
    return other if utf8 < other else utf8


def _workbook_refusal(raw: bytes, file_name: str) -> Refusal | None:
    if raw.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in raw:
            return "file.unreadable", (f"文件 {file_name}: 工作簿设置了打开密码(已加密), 系统无法读取。"
                                       "请在 Excel 中取消密码(文件 → 信息 → 保护工作簿 → 用密码进行加密, 清空密码)"
                                       "后另存为 .xlsx 重新报送。")
        return "file.unreadable", (f"文件 {file_name}: 这是旧版 Excel 97-2003 (.xls) 或其他 Office 格式, "
                                   "只是扩展名改成了 .xlsx。请在 Excel 中“另存为”Excel 工作簿(.xlsx)后重新报送。")
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError):
        return None  # not a zip: the reader's own error says it is not a workbook
    total = 0
    max_row = max_col = 0
    try:
        for info in zf.infolist():
            sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            tail = b""
            with zf.open(info) as fh:  # inflate in 1 MB steps: memory stays bounded whatever the zip says
                while chunk := fh.read(MB):
                    total += len(chunk)
                    if total > MAX_UNCOMPRESSED_BYTES:
                        return "file.too_large", (
                            f"文件 {file_name}: 工作簿解压后超过 {_mb(MAX_UNCOMPRESSED_BYTES)}(压缩包 {_mb(len(raw))}), "
                            "超过上限, 不予读取。请只保留本部门的数据表后重新保存报送。")
                    if sheet:
                        text = tail + chunk
                        for m in _DIMENSION.finditer(text):
                            max_col, max_row = max(max_col, _column_number(m[1])), max(max_row, int(m[2]))
                        for m in _CELL_REF.finditer(text):
                            max_col, max_row = max(max_col, _column_number(m[1])), max(max_row, int(m[2]))
                        for m in _ROW_REF.finditer(text):
                            max_row = max(max_row, int(m[1]))
                        tail = text[-256:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError):
        return "file.unreadable", (f"文件 {file_name}: 工作簿已损坏(压缩数据校验失败), 无法读取。"
                                   "请用 Excel 打开确认后重新保存报送。")
    if max_row > MAX_ROWS or max_col > MAX_COLUMNS or max_row * max_col > MAX_CELLS:
        return "file.too_large", (f"文件 {file_name}: 工作表范围达 {max_row:,} 行 × {max_col:,} 列, 超过上限"
                                  f"({MAX_ROWS:,} 行、{MAX_COLUMNS:,} 列、{MAX_CELLS:,} 个单元格)。"
                                  "请删除表格右侧和下方的多余内容(或复制数据区域到新工作簿)后重新报送。")
    return None


def grid_refusal(grid: pl.DataFrame, file_name: str) -> Refusal | None:
    """After reading: rows, columns and the longest cell within limits (CSV has no cheaper check)."""
    data_cols = [c for c in grid.columns if c != "row"]
    if grid.height > MAX_ROWS or len(data_cols) > MAX_COLUMNS:
        return "file.too_large", (f"文件 {file_name}: {grid.height:,} 行 × {len(data_cols):,} 列, 超过上限"
                                  f"({MAX_ROWS:,} 行、{MAX_COLUMNS:,} 列)。")
    if not data_cols:
        return None
    longest = grid.select(pl.max_horizontal(pl.col(data_cols).str.len_chars().fill_null(0)).alias("n"), "row")
    worst = longest.filter(pl.col("n") > MAX_CELL_CHARS).head(1)
    if worst.height:
        return "file.too_large", (f"文件 {file_name} 第 {worst['row'][0]} 行: 单元格长达 {worst['n'][0]:,} 个字符, "
                                  f"超过 Excel 单元格上限 {MAX_CELL_CHARS} 个字符。请精简该内容后重新报送。")
    return None
