"""Peak memory of a whole command: the resident memory of its process group (the run, the temporary
Prefect server, the forkserver and the render workers), summed every 0.25 s from /proc.

`benchmarks.run` samples the memory of a run it calls in-process; this wraps any command in a fresh
process instead, e.g. a national run with PDFs, which takes too long to wait for: `--seconds` stops it
once the peak has been passed (the bulletin, the largest document, is rendered first).

    python -m benchmarks.peak_memory --seconds 300 -- ecoassess run --year 2025 --framework synthetic \\
        --home H --data var/bench/jurisdiction-2850-20250101/data --inbox var/bench/run-2850/inbox
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def group_rss(pgid: int) -> list[int]:
    """Resident bytes of every process whose process group is `pgid`."""
    sizes = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) == pgid:  # the fields after the command name: state, ppid, pgrp, …
                sizes.append(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE)
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description="命令(含全部子进程)的内存峰值 / peak memory of a command and its children")
    ap.add_argument("--seconds", type=float, default=None, help="到时停止命令 / stop the command after this many seconds")
    ap.add_argument("--log", type=Path, default=None, help="命令输出写入此文件 / the command's output (default: discarded)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- 之后的命令 / the command, after --")
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("缺少命令 / no command given")
    out = args.log.open("w") if args.log else subprocess.DEVNULL
    t0 = time.monotonic()
    proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    peak, at, parts = 0, 0.0, []
    while proc.poll() is None and (args.seconds is None or time.monotonic() - t0 < args.seconds):
        sizes = group_rss(proc.pid)
        if sum(sizes) > peak:
            peak, at, parts = sum(sizes), time.monotonic() - t0, sorted(sizes, reverse=True)
        time.sleep(0.25)
    stopped = proc.poll() is None
    if stopped:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(f"peak {peak / 2**30:.2f} GiB at {at:.0f} s (per process, MiB: {', '.join(str(p >> 20) for p in parts)}); "
          f"{'stopped after' if stopped else 'exit ' + str(proc.returncode) + ' after'} {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
