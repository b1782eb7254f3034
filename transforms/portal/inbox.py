"""Where the portal puts an upload: file names it accepts and the inbox it writes into.

A name from a browser is only a label: the last path component is kept, and a name that could
choose a place (`..`, a leading dot the run skips, control characters) or a type the run does not
read is refused with a Chinese message. Files land in `<inbox>/<year>/<department>/<name>` through
`write_atomically`: a temporary dot-file the run skips, renamed over the final name, so a run never
sees half a file, and a portal killed mid-write leaves only a dot-file the next write ignores.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import BinaryIO

from transforms.runtime.home import CHUNK, private_dir, write_atomically

CONFIRMATIONS = ".confirmations.json"  # a dot-file: the run's pull skips it as a delivery
EVIDENCE = ".evidence.json"  # 佐证材料 of the department's files, for the run (transforms/intake/evidence.py)
SUFFIXES = {".xlsx", ".xlsm", ".csv"}
MAX_NAME = 120


EVIDENCE_SUFFIXES = {".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",),
                     ".jpeg": (b"\xff\xd8\xff",)}
MAX_EVIDENCE_BYTES = 20 << 20


def evidence_refusal(name: str | None, head: bytes, size: int) -> str | None:
    """Why a 佐证材料 file is refused (Chinese), or None: a PDF or PNG/JPEG image whose first bytes
    say so (a renamed executable is not a PDF), at most 20 MB, with a name `clean_file_name` takes."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in EVIDENCE_SUFFIXES:
        return "佐证材料只受理 PDF 或 PNG、JPEG 图片 / evidence must be a PDF, PNG or JPEG file"
    if not head.startswith(EVIDENCE_SUFFIXES[suffix]):
        return f"文件内容不是 {suffix[1:].upper()} 格式, 请上传原始文件 / the content is not a {suffix[1:].upper()}"
    if size > MAX_EVIDENCE_BYTES:
        return f"佐证材料超过 {MAX_EVIDENCE_BYTES >> 20} MB 上限, 请压缩后上传 / evidence over the size limit"
    return None


def clean_file_name(raw: str | None, suffixes: set[str] | None = None) -> tuple[str | None, str | None]:
    """(name, None) for an acceptable file name, else (None, Chinese reason)."""
    name = (raw or "").replace("\\", "/").split("/")[-1].strip()
    if not name or name in (".", ".."):
        return None, "未选择文件或文件名为空 / no file name"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return None, "文件名含控制字符, 请改名后上传 / control characters in the file name"
    if name.startswith((".", "~$")) or len(name) > MAX_NAME:
        return None, f"文件名不能以“.”或“~$”开头, 且不超过 {MAX_NAME} 个字符 / unacceptable file name"
    if suffixes is not None:
        return (name, None) if Path(name).suffix.lower() in suffixes else (None, "文件类型不受理 / type not accepted")
    if Path(name).suffix.lower() not in SUFFIXES:
        return None, (f"文件类型 {Path(name).suffix or '(无扩展名)'} 不受理, 请上传 Excel(.xlsx)或 CSV 文件 "
                      "(旧版 .xls 请另存为 .xlsx) / only .xlsx and .csv are accepted")
    return name, None


def department_folder(inbox: Path, year: int, department: str) -> Path:
    """`<inbox>/<year>/<department>/`, made private (owner and group) if it is new."""
    return private_dir(private_dir(private_dir(inbox) / str(year)) / department)


def place(inbox: Path, year: int, department: str, name: str, source: BinaryIO) -> Path:
    """Copy `source` to `<inbox>/<year>/<department>/<name>` atomically and durably."""
    target = department_folder(inbox, year, department) / name
    source.seek(0)
    write_atomically(target, iter(lambda: source.read(CHUNK), b""), durable=True)
    return target


def _write_sidecar(path: Path, data: dict) -> Path:
    """A dot-file beside the department's files (the run's pull skips it as a delivery), written whole,
    atomically and durably."""
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1).encode(), durable=True)
    return path


def record_confirmation(inbox: Path, year: int, department: str, sha256: str, entry: dict) -> Path:
    """强制上报: the department's explanation for a file sent with warnings, beside it in the inbox as
    `<year>/<department>/.confirmations.json` ({sha256: {file_name, reason, person, at}}), written
    atomically. The portal never writes the warehouse: a run reads this file to confirm the held
    submission with those bytes (issue 17's confirmation), so the explanation reaches the reports."""
    path = department_folder(inbox, year, department) / CONFIRMATIONS
    known = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return _write_sidecar(path, known | {sha256: entry})


def record_evidence(inbox: Path, year: int, department: str, entries: list[dict]) -> Path:
    """佐证材料: what the department attached to its files, beside them in the inbox as
    `<year>/<department>/.evidence.json` ({sha256 of the file: [{id, file_name, sha256, size, note,
    uploaded_at, account, event_id, region_code, indicator_code}]}), rewritten whole and atomically
    from the portal's records. The run reads it to list the evidence in the reports that cite the
    file (the evidence files themselves stay in the portal's archive, unchanged)."""
    by_file: dict[str, list[dict]] = {}
    for e in entries:
        by_file.setdefault(e["upload_sha256"], []).append({k: v for k, v in e.items() if k != "upload_sha256"})
    return _write_sidecar(department_folder(inbox, year, department) / EVIDENCE, by_file)
