"""How the Prefect tasks of ecoassess retry and cache, and how many processes render by default."""

from __future__ import annotations

import errno
import os

from prefect.cache_policies import NO_CACHE


def cores() -> int:
    return len(os.sched_getaffinity(0))


PERMANENT = {errno.EROFS, errno.EACCES, errno.EPERM, errno.EEXIST, errno.ENOTDIR, errno.EISDIR}


def _transient(task, task_run, state) -> bool:
    """Retry only what can fail transiently: the file system (a network share that blinked, a disk
    that was full a moment). A read-only or forbidden folder, bad data, bad configuration and bugs
    fail the same way every time."""
    try:
        state.result()
    except OSError as exc:
        return exc.errno not in PERMANENT
    except BaseException:
        return False
    return False


ON_FILES = {"retries": 2, "retry_delay_seconds": 3, "retry_condition_fn": _transient, "cache_policy": NO_CACHE}
ONCE = {"cache_policy": NO_CACHE}  # our own fingerprints decide what is redone, not Prefect's cache
