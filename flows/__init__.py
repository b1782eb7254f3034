"""Prefect flows and the CLI. Importing this package configures Prefect for embedded, offline use."""

import os

from transforms.home import Home


def _configure_prefect() -> None:
    """Before Prefect is imported: state under the home, no telemetry, patient ephemeral server."""
    home = Home.resolve()
    defaults = {
        "PREFECT_HOME": str(home.root / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "DO_NOT_TRACK": "1",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


_configure_prefect()
