"""Importing a package creates no folder or file: every module of the four packages is imported in a
fresh interpreter whose home ($ECOASSESS_HOME) does not exist yet, with a fresh $HOME and temp folder;
afterwards the home still does not exist, and nothing is new in the project (its top level, the
packages, data/), $HOME or the temp folder (bytecode caches aside: Python's, and switched off here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "expectations", "report_templates", "transforms")


def _modules() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((PROJECT / package).rglob("*.py")):
            parts = path.relative_to(PROJECT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if "__pycache__" not in p.parts}


def _project() -> set[str]:
    """The project's top-level names (a `var/` would show) and everything in the packages and data/."""
    return {p.name for p in PROJECT.iterdir()} | {n for d in (*PACKAGES, "data") for n in _tree(PROJECT / d)}


def test_importing_every_module_creates_nothing(tmp_path):
    home, user, temp = tmp_path / "home", tmp_path / "user", tmp_path / "tmp"
    user.mkdir()
    temp.mkdir()
    before = _project()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOASSESS_", "PREFECT_"))} | {
        "ECOASSESS_HOME": str(home), "HOME": str(user), "TMPDIR": str(temp), "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(PROJECT)}
    modules = _modules()
    assert len(modules) > 30
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    done = subprocess.run([sys.executable, "-c", code, *modules], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not home.exists()
    assert _tree(user) == set() and _tree(temp) == set()
    assert _project() == before
