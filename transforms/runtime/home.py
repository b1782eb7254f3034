"""The one home directory that holds all runtime state (git-ignored, never `data/`), and how files
are written into it.

Everything under the home is official data about named people (submissions, validation results,
reports naming cadres), so folders are owner+group only (0750) and files 0640, never readable by
everyone; the umask can only make them stricter. Publishing reports is a deliberate copy (README).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

PROJECT_DIR = Path(__file__).resolve().parents[2]
FILE_MODE = 0o640
DIR_MODE = 0o750
CHUNK = 1 << 20  # bytes per read and write when streaming a file
_ZEROS = bytes(CHUNK)


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def locate(cls, root: str | Path | None = None) -> "Home":
        """`root`, else $ECOASSESS_HOME, else `var/` in the project folder; nothing is created."""
        return cls(Path(root or os.environ.get("ECOASSESS_HOME") or PROJECT_DIR / "var").resolve())

    @classmethod
    def resolve(cls, root: str | Path | None = None) -> "Home":
        """The home (see `locate`), created with its private folders if missing."""
        home = cls.locate(root)
        home.root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)  # a home we create is private; one given is left
        for sub in (home.archive, home.reports_root, home.validation_root):
            private_dir(sub)
        return home

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def snapshot(self) -> Path:
        """A copy of the warehouse the run leaves at its end, for readers that must never open
        (nor wait for) the live one: the submission portal's checks and templates."""
        return self.root / "snapshot" / "warehouse.duckdb"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def reports_root(self) -> Path:
        return self.root / "reports"

    @property
    def validation_root(self) -> Path:
        return self.root / "validation"

    def reports(self, year: int) -> Path:
        return self.reports_root / str(year)


def set_mode(path: Path, mode: int) -> None:
    """chmod only when needed: a group member reading the home (e.g. `ecoassess status`) may not own it."""
    if path.stat().st_mode & 0o7777 != mode:
        os.chmod(path, mode)


def private_dir(path: Path) -> Path:
    """Create `path` if needed and make it owner+group only (its parent must exist or be private already)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    set_mode(path, DIR_MODE)
    return path


def make_private(tree: Path) -> None:
    """Give every folder and file under `tree` (and `tree`) the home's modes: for what other
    libraries write with the process umask (Great Expectations' stores and Data Docs), and files
    left from before."""
    if not tree.exists():
        return
    set_mode(tree, DIR_MODE)
    for p in tree.rglob("*"):
        if not p.is_symlink():
            set_mode(p, DIR_MODE if p.is_dir() else FILE_MODE)


def write_atomically(path: Path, data: bytes | Iterable[bytes], durable: bool = False) -> int:
    """Write `data` (bytes, or chunks: a large file is never held whole) to a unique temporary
    name in the same folder (mode 0640), then rename over `path`, so a reader never sees a
    half-written file. A chunk of zeros is skipped, not written: a sparse file stays sparse.
    `durable`: on disk (fsync) before the rename, for what must survive a power cut (the archive).
    Returns the number of bytes written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    size = 0
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            for chunk in ([data] if isinstance(data, (bytes, bytearray, memoryview)) else data):
                if len(chunk) == CHUNK and chunk == _ZEROS:  # a memcmp: ~10 µs per MB
                    fh.seek(len(chunk), os.SEEK_CUR)
                else:
                    fh.write(chunk)
                size += len(chunk)
            fh.truncate(size)  # a file ending in a hole gets its length
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return size


def remove_temporaries(folder: Path) -> int:
    """Delete the temporaries `write_atomically` leaves under `folder` when its process is killed
    mid-write (`.<name>.<pid>-<hex>.tmp`). Only under the run lock: no write is then under way."""
    left = list(folder.rglob(".*.tmp")) if folder.exists() else []
    for tmp in left:
        tmp.unlink(missing_ok=True)
    return len(left)
