"""What each department submits through the portal and by when (`data/portal.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from transforms.config.framework import ConfigError, Framework, data_dir

KINDS = ("indicators", "events", "tenures")


def _month_day(value: str) -> str:
    try:
        date.fromisoformat(f"2001-{value}")
    except (TypeError, ValueError):
        raise ValueError(f"截止日期 {value!r} 应为 月-日, 如 02-28 / deadline must be MM-DD") from None
    return value


class KindConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    deadline: str | None = None
    _check = field_validator("deadline")(lambda v: v if v is None else _month_day(v))


class PortalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deadline: str
    kinds: dict[str, KindConfig]
    departments: dict[str, list[str]] = {}
    _check = field_validator("deadline")(lambda v: _month_day(v))

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: dict) -> dict:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"未知报送类型 {sorted(unknown)}, 可用 {list(KINDS)} / unknown kinds")
        return kinds


@dataclass(frozen=True)
class Cell:
    """One thing a department owes for a year: its kind, label and deadline."""
    kind: str
    label: str
    deadline: date


def load_portal_config(data: Path | None = None) -> PortalConfig:
    path = (data or data_dir()) / "portal.yaml"
    try:
        cfg = PortalConfig.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"无法读取门户配置 / cannot read {path}: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(f"门户配置有误 / invalid {path}: {exc}") from None
    for dept, kinds in cfg.departments.items():
        if set(kinds) - set(cfg.kinds):
            raise ConfigError(f"门户配置有误 / invalid {path}: departments.{dept} 列出了未配置的类型 "
                              f"{sorted(set(kinds) - set(cfg.kinds))}")
    return cfg


def department_cells(cfg: PortalConfig, fw: Framework, department: str, year: int) -> list[Cell]:
    """The kinds `department` submits for `year` with their deadlines: indicators if it answers for any
    in the framework, and the events or rosters portal.yaml lists for it."""
    kinds = [k for k in cfg.departments.get(department, []) if k != "indicators"]
    if any(i.department == department for i in fw.indicators):  # the framework decides who owes indicators
        kinds.insert(0, "indicators")
    return [Cell(k, cfg.kinds[k].label, date.fromisoformat(f"{year + 1}-{cfg.kinds[k].deadline or cfg.deadline}"))
            for k in KINDS if k in kinds]
