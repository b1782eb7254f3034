"""Prefect flows and the CLI. Importing this package configures Prefect for embedded, offline use
(environment only: nothing is created until a flow runs)."""

import os
from pathlib import Path

from transforms.runtime.home import Home

_GIVEN_PREFECT_HOME = os.environ.get("PREFECT_HOME")  # an operator's own choice is kept


def configure_prefect(home: Path | None = None) -> None:
    """Before Prefect is imported: its state under the home (`home`, else the one the environment
    names), no telemetry, a patient ephemeral server. The CLI calls it again once `--home` is parsed."""
    root = home or Home.locate().root
    os.environ["PREFECT_HOME"] = _GIVEN_PREFECT_HOME or str(root / "prefect")
    defaults = {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        # the run's stage lines (INFO) reach the API and the UI; the terminal shows only warnings (the CLI
        # prints its own progress)
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "DO_NOT_TRACK": "1",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


configure_prefect()
