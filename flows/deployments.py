"""The deployments of `prefect.yaml`, as runner deployments served from one process (`ecoassess
serve`): the same names, parameters and schedules as `prefect deploy --all` creates for a worker,
read from the one file so the two ways cannot drift apart."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import yaml

from transforms.runtime.home import PROJECT_DIR

PREFECT_YAML = PROJECT_DIR / "prefect.yaml"


def runner_deployments(path: Path = PREFECT_YAML) -> list:
    """One `RunnerDeployment` per entry of `deployments:`; `{{ $VAR }}` filled in from the
    environment, an unset one dropped (the flow's default applies)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.schedules import Cron
    from prefect.utilities.templating import apply_values

    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for entry in config["deployments"]:
        entry = apply_values(entry, dict(os.environ), remove_notset=True)
        file, name = entry["entrypoint"].split(":")
        flow = getattr(importlib.import_module(file.removesuffix(".py").replace("/", ".")), name)
        parameters = {k: v for k, v in (entry.get("parameters") or {}).items() if v not in ("", None)}
        schedules = [Cron(s["cron"], timezone=s.get("timezone")) for s in entry.get("schedules") or []]
        limit = entry.get("concurrency_limit")
        out.append(flow.to_deployment(name=entry["name"], description=entry.get("description"),
                                      parameters=parameters, tags=entry.get("tags"), schedules=schedules or None,
                                      concurrency_limit=ConcurrencyLimitConfig(**limit) if limit else None))
    return out


def serve(limit: int | None = None) -> None:
    """Serve every deployment of `prefect.yaml` until interrupted (runs execute in this process's children)."""
    from prefect import serve as prefect_serve

    prefect_serve(*runner_deployments(), limit=limit)
