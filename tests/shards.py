"""The whole suite as two pytest processes side by side, one per core: `python -m tests.shards [pytest args]`.

One pytest process keeps about one core busy (the suite spends ~25 CPU minutes in ~22 wall minutes),
and the machine has two. The suite is cut in two fixed halves rather than handed out test by test
(pytest-xdist), because the real runs several modules build on are prepared once per process in the
background (tests/support/background.py) and must be made only by the process whose tests use them:
the first half holds the modules built on those runs and on a Prefect server, the second everything
else, so a new test module lands in the second half without anyone listing it. Each half has its own
temporary folder; both print as they go, each line marked with its half; the exit status is 0 only if
both halves pass. Arguments are passed to both (`-x`, `-k …`, `--durations=20`). A single module or
test is run with pytest itself.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# the modules that build on a background preparation or a Prefect server, and the long render and
# upload tests: about half of the suite's time (README, "Tests")
FIRST_HALF = (
    "tests/flows/test_end_to_end.py",
    "tests/flows/test_faults.py",
    "tests/flows/test_provenance.py",
    "tests/flows/test_cli.py",
    "tests/flows/test_templates_accepted.py",
    "tests/flows/test_portal_load.py",
    "tests/report_templates/test_report_render.py",
    "tests/expectations/test_annotate.py",
)


def commands(args: list[str], basetemp: Path) -> list[list[str]]:
    """The two pytest command lines: the first half by name, the second as the rest of `tests`."""
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return [[*pytest, f"--basetemp={basetemp / 'first'}", *FIRST_HALF],
            [*pytest, f"--basetemp={basetemp / 'second'}", "tests", *(f"--ignore={m}" for m in FIRST_HALF)]]


def _relay(proc: subprocess.Popen, mark: str, lines: list[str]) -> None:
    for line in proc.stdout:
        lines.append(line)
        sys.stdout.write(f"{mark} {line}")
        sys.stdout.flush()


def main(args: list[str]) -> int:
    missing = [m for m in FIRST_HALF if not (PROJECT / m).is_file()]
    if missing:
        print(f"tests/shards.py names modules that do not exist: {', '.join(missing)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ecoassess-tests-") as tmp:
        procs, relays, outputs = [], [], []
        for n, cmd in enumerate(commands(args, Path(tmp)), start=1):
            proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    bufsize=1)
            lines: list[str] = []
            relay = threading.Thread(target=_relay, args=(proc, f"[{n}]", lines), daemon=True)
            relay.start()
            procs.append(proc)
            relays.append(relay)
            outputs.append(lines)
        codes = [proc.wait() for proc in procs]
        for relay in relays:
            relay.join()
    print()
    for n, (code, lines) in enumerate(zip(codes, outputs), start=1):
        summary = next((line.strip() for line in reversed(lines) if line.strip()), "(no output)")
        print(f"half {n} ({'first' if n == 1 else 'second'}): exit {code}: {summary}")
    return 0 if all(code == 0 for code in codes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
