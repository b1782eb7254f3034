"""Run the real CLI (and so the real Prefect flow) with a pause planted at one point of one stage.

`python -m tests.support.fault_driver STAGE MARKER CLI-ARGS...` installs the pause, then runs
`flows.cli` with CLI-ARGS. When the run reaches the point it writes MARKER and sleeps, so the
test can SIGKILL it exactly there. Stages:

- ingest: inside parse_received's transaction for the 6th file (5 files parsed and committed);
- score:  inside score_year's transaction, after the category and index scores were inserted,
          before the results;
- report: in the middle of writing the 3rd report file (half its bytes in the temporary file);
  rendered in this process (`--workers 1`), where the pause is planted.

Only this test process is patched; the code under test is the project's own.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _pause(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()), "utf-8")
    time.sleep(3600)


def install(stage: str, marker: str) -> None:
    if stage == "ingest":
        import transforms.intake.receive as intake

        real, calls = intake.parse_submission, []

        def parse_submission(*args, **kwargs):
            calls.append(1)
            if len(calls) == 6:
                _pause(marker)
            return real(*args, **kwargs)

        intake.parse_submission = parse_submission
    elif stage == "score":
        import transforms.scoring.score as scoring
        from transforms.runtime.sql import statement

        real_score = scoring.score_year

        class Pausing:
            """The warehouse connection, pausing once the result step of scoring starts."""

            def __init__(self, con):
                self._con = con

            def execute(self, sql, *args, **kwargs):
                if sql == statement("scoring/result"):
                    _pause(marker)
                return self._con.execute(sql, *args, **kwargs)

            def __getattr__(self, name):
                return getattr(self._con, name)

        scoring.score_year = lambda con, *a, **kw: real_score(Pausing(con), *a, **kw)
    elif stage == "report":
        import uuid

        import report_templates.render as render

        real_write, calls = render.write_atomically, []

        def write(path: Path, data: bytes) -> None:
            calls.append(1) if "reports" in Path(path).parts else None
            if len(calls) == 3 and "reports" in Path(path).parts:  # as the renderer does, but stop half way through the bytes
                tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
                with open(tmp, "xb") as fh:
                    fh.write(data[: len(data) // 2])
                    fh.flush()
                    _pause(marker)
            real_write(path, data)

        render.write_atomically = write
    elif stage != "none":
        raise SystemExit(f"unknown stage {stage}")


if __name__ == "__main__":
    install(sys.argv[1], sys.argv[2])
    from flows.cli import app

    # the pause is planted in this process, so render here rather than in the worker processes
    app(sys.argv[3:] + (["--workers", "1"] if sys.argv[1] == "report" else []), prog_name="ecoassess")
