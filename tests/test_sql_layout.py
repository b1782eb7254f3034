"""Where SQL lives (issue 16 item 4), checked on the source (ast): a statement longer than one line is
a file `transforms/sql/<area>/<step>.sql` loaded with `transforms.runtime.sql.statement`, not a Python
string; transactions go through `transforms.runtime.sql.transaction`, not hand-written BEGIN/COMMIT/
ROLLBACK; every step named in code has its file and every file is used."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "expectations", "report_templates", "transforms")
SQL_DIR = PROJECT / "transforms" / "sql"
SQL_START = re.compile(r"SELECT\s|WITH\s+(RECURSIVE\s+)?\w+\s+AS\s*\(|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s"
                       r"|DELETE\s+FROM\s|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\w*\s+)?(TABLE|VIEW|MACRO|INDEX|SEQUENCE|TYPE|SCHEMA)\s",
                       re.IGNORECASE)  # the opening of a statement, not prose that starts with "With" or "Delete"
TRANSACTION_WORDS = {"BEGIN", "BEGIN TRANSACTION", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "ABORT"}
TRANSACTION_HELPER = "transforms/runtime/sql.py"  # the one place that may say BEGIN/COMMIT/ROLLBACK

# Modules being rewritten by others, who convert their SQL themselves. This list must only shrink:
# `test_the_allow_list_names_only_modules_still_to_convert` fails once an entry has nothing left to convert.
NOT_YET_CONVERTED = (
    "transforms/intake/",  # every intake module (receive.py holds SQL and a hand-written transaction)
    "transforms/scoring/score.py",
    "transforms/scoring/veto.py",
    "transforms/scoring/attribution.py",
)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants (a docstring saying "Delete the temporaries …" is no SQL)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def problems(source: str) -> list[str]:
    """Multi-line SQL literals and hand-written transaction statements in one module's source."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    in_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(p.value if isinstance(p, ast.Constant) else "{…}" for p in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings and id(node) not in in_fstring:
            text = node.value
        else:
            text = None
        if text is not None and node.end_lineno > node.lineno and SQL_START.match(text.strip()):
            found.append(f"line {node.lineno}: SQL over {node.end_lineno - node.lineno + 1} lines "
                         f"({text.strip()[:40]!r}…): move it to transforms/sql/<area>/<step>.sql")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("execute", "sql")
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and " ".join(node.args[0].value.upper().split()).rstrip(";") in TRANSACTION_WORDS):
            found.append(f"line {node.lineno}: hand-written {node.args[0].value!r}: "
                         "use transforms.runtime.sql.transaction")
    return found


def _sources() -> dict[str, str]:
    return {path.relative_to(PROJECT).as_posix(): path.read_text("utf-8")
            for package in PACKAGES for path in sorted((PROJECT / package).rglob("*.py"))}


def _allowed(module: str) -> bool:
    return module == TRANSACTION_HELPER or module.startswith(NOT_YET_CONVERTED)


def test_sql_statements_live_in_sql_files_and_transactions_use_the_helper() -> None:
    found = [f"{module} {p}" for module, source in _sources().items() if not _allowed(module)
             for p in problems(source)]
    assert found == []


def test_the_allow_list_names_only_modules_still_to_convert() -> None:
    """Converting a module means removing it from NOT_YET_CONVERTED, so the guard keeps it converted."""
    sources = _sources()
    done = [entry for entry in NOT_YET_CONVERTED
            if not any(problems(source) for module, source in sources.items() if module.startswith(entry))]
    assert done == [], f"nothing left to convert in {done}: remove them from NOT_YET_CONVERTED"


def test_the_checker_sees_sql_literals_and_transactions() -> None:
    """The guard would pass vacuously if `problems` missed what it is for."""
    src = '''
def step(con, name):
    """Delete the temporaries: a docstring, not SQL."""
    con.execute("BEGIN")
    con.execute("""
        SELECT 1 FROM t""")
    con.execute(f"""WITH x AS (SELECT 1)
        SELECT * FROM {name}""")
    con.execute("SELECT a "
                "FROM b")
    con.execute("DELETE FROM t WHERE a = ?", [1])  # one line: may stay inline
    con.execute("commit")
    note = """With two lines
    of prose, and a docstring saying "Delete the temporaries", are no SQL"""
'''
    found = problems(src)
    assert sorted(int(f.split(":")[0].split()[1]) for f in found) == [4, 5, 7, 9, 12]
    assert sum("hand-written" in f for f in found) == 2


def _steps_named_in_code() -> set[str]:
    """Every string constant of the form `<area>/<step>` that names a file under transforms/sql."""
    names = set()
    for source in _sources().values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"[a-z_]+/[a-z0-9_]+", node.value):
                names.add(node.value)
    return names


def test_every_sql_step_named_in_code_has_its_file_and_every_file_is_used() -> None:
    files = {p.relative_to(SQL_DIR).with_suffix("").as_posix() for p in SQL_DIR.rglob("*.sql")} - {"schema"}
    called = set()
    for source in _sources().values():
        for node in ast.walk(ast.parse(source)):
            name = getattr(node, "func", None) and getattr(node.func, "id", getattr(node.func, "attr", None))
            if isinstance(node, ast.Call) and name == "statement" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                called.add(node.args[0].value)
    assert sorted(called - files) == []  # a call naming a missing file
    assert sorted(files - _steps_named_in_code()) == []  # a file no code names


def test_every_sql_step_says_what_it_does() -> None:
    """Each file opens with a comment saying what the step does (and its parameters, in order)."""
    bare = [p.relative_to(SQL_DIR).as_posix() for p in SQL_DIR.rglob("*.sql")
            if not p.read_text("utf-8").lstrip().startswith("--")]
    assert bare == []
