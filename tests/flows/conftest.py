"""Fixtures of the flows tests: a submission portal on the mini jurisdiction (tests/support/portal.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.portal import PortalEnv, portal_data, prepare_home


@pytest.fixture(scope="session")
def prepared_portal(tmp_path_factory) -> Path:
    """Made once per session (the 2024 validation and the password hashes take ~15 s), copied per test."""
    import os

    root = tmp_path_factory.mktemp("portal-prepared")
    data = portal_data(root)
    before = os.environ.get("ECOASSESS_DATA")
    os.environ["ECOASSESS_DATA"] = str(data)
    try:
        prepare_home(root)
    finally:
        if before is None:
            os.environ.pop("ECOASSESS_DATA")
        else:
            os.environ["ECOASSESS_DATA"] = before
    return root


@pytest.fixture
def portal_env(prepared_portal: Path, tmp_path: Path, monkeypatch) -> PortalEnv:
    from flows.portal.app import create_app
    from flows.portal.submissions import Portal
    from transforms.portal.store import PortalDB
    from transforms.runtime.home import Home

    for part in ("data", "home", "inbox"):
        shutil.copytree(prepared_portal / part, tmp_path / part, symlinks=True)
    monkeypatch.setenv("ECOASSESS_DATA", str(tmp_path / "data"))
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    portal = Portal(Home.locate(home), inbox, "mini", PortalDB(Home.locate(home)))
    return PortalEnv(home, inbox, portal, create_app(portal, workers=0))


