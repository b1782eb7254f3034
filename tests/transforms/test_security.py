"""Security (issue #9): submitted text never reaches HTML unescaped or a workbook as a formula;
names from outside never choose a path. (The offline run, report permissions and escaping in
the county and cadre reports are asserted on a full run in tests/test_faults.py.)"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl

from tests.support.corpus import csv_bytes, lyj_csv, lyj_rows
from transforms.config.framework import load_departments
from transforms.intake.receive import load_units, parse_received, pull_inbox, receive_file
from transforms.runtime.warehouse import load_config, rows

HOSTILE = ['=HYPERLINK("http://example.invalid","点此")', "+1+2", "-3+4", "@SUM(A1)", "=1+1"]


def test_steward_report_escapes_submitted_text(mini):
    from expectations.validate import validate_pending

    home, con, fw = mini
    raw = lyj_csv().replace(b"990003", b"<img src=x onerror=alert(1)>").replace(b"51", b"<script>alert(2)</script>")
    sid = receive_file(con, home, raw, "<script>alert(3)</script>.csv", "lyj", 2025).submission_id
    parse_received(con, home, fw, load_units())
    [outcome] = validate_pending(con, home, fw)
    assert outcome.status == "rejected"
    html = (home.validation_root / str(sid) / "steward.html").read_text("utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    for escaped in ("&lt;script&gt;alert(3)&lt;/script&gt;.csv", "&lt;script&gt;alert(2)&lt;/script&gt;",
                    "&lt;img src=x onerror=alert(1)&gt;"):
        assert escaped in html, escaped


def test_workbooks_we_write_hold_no_formulas(mini_data, tmp_path):
    """The department template carries county names from data/: even names that look like
    formulas are written as text (with Excel's quote prefix) and read back unchanged."""
    from transforms.config.framework import load_framework
    from transforms.intake.excel_template import write_template
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect

    lines = (mini_data / "regions.csv").read_text("utf-8").splitlines()
    for n, name in zip(range(2, 5), HOSTILE):
        cells = lines[n].split(",")
        cells[1] = '"' + name.replace('"', '""') + '"'
        lines[n] = ",".join(cells)
    (mini_data / "regions.csv").write_text("\n".join(lines) + "\n", "utf-8")
    path = mini_data / "frameworks" / "mini.yaml"
    fw = load_framework(path)
    con = connect(Home.resolve(tmp_path / "home").warehouse)
    load_config(con, fw, path, mini_data)
    out = write_template(con, fw, "lyj", 2025, tmp_path / "模板.xlsx")
    con.close()

    with zipfile.ZipFile(out) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any(re.search(rb"<f[ >]", s) for s in sheets)  # not one formula in the file
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    risky = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} >= set(HOSTILE[:3])
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    data = openpyxl.load_workbook(out, data_only=True).worksheets[0]  # a formula would read as None here
    column = [c.value for c in data[2]].index("县(市、区)")
    names = [row[column] for row in data.iter_rows(min_row=3, max_row=5, values_only=True)]  # above the 填报人 block
    assert names == HOSTILE[:3]  # the text itself unchanged


def test_hostile_file_names_and_links_in_the_inbox(mini, tmp_path):
    """Names with spaces, Chinese, shell metacharacters, a leading dash or a newline are only
    labels: archive names are derived from the hash. Links on the share are not followed."""
    home, con, fw = mini
    folder = tmp_path / "inbox" / "2025" / "lyj"
    folder.mkdir(parents=True)
    names = ["林业局 2025 终稿 (2).csv", "$(touch PWNED);`id`|&>x'\".csv", "-rf --no-preserve-root.csv",
             "a\nb<script>.csv", "林" * 80 + ".csv"]
    for n, name in enumerate(names):
        (folder / name).write_bytes(lyj_csv((str(40 + n), "50", "60")))
    secret = tmp_path / "secret.csv"
    secret.write_bytes(csv_bytes(lyj_rows(("1", "2", "3"))))
    (folder / "link.csv").symlink_to(secret)
    (tmp_path / "inbox" / "2025" / "sthjj").symlink_to(tmp_path, target_is_directory=True)

    got = pull_inbox(con, home, tmp_path / "inbox", load_departments())
    assert sorted(r.file_name for r in got) == sorted(names)  # the two links were not followed
    archived = rows(con, "SELECT file_name, archive_path, sha256 FROM submission ORDER BY submission_id")
    for file_name, archive, sha in archived:
        assert re.fullmatch(r"archive/2025/lyj/\d{6}-[0-9a-f]{16}\.csv", archive), archive
        assert sha[:16] in archive
    secret_sha = __import__("hashlib").sha256(secret.read_bytes()).hexdigest()
    assert secret_sha not in {a[2] for a in archived}
    archive_root = home.archive.resolve()
    assert all(p.resolve().is_relative_to(archive_root) for p in home.archive.rglob("*"))
    assert not any(Path(d, "PWNED").exists() for d in (os.getcwd(), tmp_path, home.root))


def test_archive_names_never_follow_the_given_name(mini):
    home, con, _ = mini
    names = ["../../../../tmp/evil.csv", "/etc/passwd.csv", "..\\..\\evil.csv", "~/.bashrc.csv"]
    for n, name in enumerate(names):  # a department name from a folder on the share is no safer
        receive_file(con, home, lyj_csv((str(40 + n), "50", "60")), name, "../../lyj" if n % 2 else "lyj", 2025)
    assert len(rows(con, "SELECT * FROM submission")) == len(names)
    for (archive,) in rows(con, "SELECT archive_path FROM submission"):
        path = (home.root / archive).resolve()
        assert path.is_relative_to(home.archive.resolve()) and ".." not in archive, archive


def test_formula_cells_in_a_submitted_workbook_are_not_evaluated(mini):
    """A submitted workbook's formulas are never computed by us: a formula cell is read as the
    value Excel cached for it, and with no cached value it is missing (and rejected)."""
    from expectations.validate import validate_pending

    home, con, fw = mini
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in lyj_rows((41, '=HYPERLINK("http://example.invalid","51")', "=1+1")):
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    receive_file(con, home, buf.getvalue(), "公式.xlsx", "lyj", 2025)
    parse_received(con, home, fw, load_units())
    [outcome] = validate_pending(con, home, fw)
    assert outcome.status == "rejected"
    values = dict(rows(con, "SELECT region_code, value FROM observation"))
    assert values == {"990001": 41.0, "990002": None, "990003": None}


def test_archive_validation_outputs_and_warehouse_are_not_world_readable(mini, tmp_path):
    """Submissions are official data about named cadres: what the home keeps of them (archive
    copies, GX results, steward HTML/JSON, annotated workbooks, the warehouse) is
    written 0640 in 0750 folders, as the reports are, under the common umask 022."""
    from expectations.validate import validate_pending
    from transforms.runtime.home import DIR_MODE, FILE_MODE

    home, con, fw = mini
    old = os.umask(0o022)
    try:
        folder = tmp_path / "inbox" / "2025" / "lyj"
        folder.mkdir(parents=True)
        (folder / "林业局.csv").write_bytes(lyj_csv(("40", "50", "60")))
        (folder / "林业局_更正.csv").write_bytes(lyj_csv(("40", "150", "60")))  # 150% out of range: rejected
        pull_inbox(con, home, tmp_path / "inbox", load_departments())
        parse_received(con, home, fw, load_units())
        outcomes = validate_pending(con, home, fw)
    finally:
        os.umask(old)
    assert sorted(o.status for o in outcomes) == ["accepted", "rejected"]
    validation = home.validation_root
    kept = {p.relative_to(home.root).as_posix() for p in home.root.rglob("*") if p.is_file()}
    for expected in ("gx_result.json", "steward.json", "steward.html", "_审核标注.xlsx"):  # each kind present
        assert any(k.startswith("validation/") and k.endswith(expected) for k in kept), (expected, kept)
    assert any(k.startswith("validation/gx_store/") for k in kept)
    assert len([k for k in kept if k.startswith("archive/")]) == 2 and "warehouse.duckdb" in kept
    for path in [home.warehouse, *home.archive.rglob("*"), *validation.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (DIR_MODE if path.is_dir() else FILE_MODE), (path.relative_to(home.root), oct(mode))
    assert {p.stat().st_mode & 0o777 for p in (home.archive, validation, home.reports_root)} == {DIR_MODE}
