"""Shared fixtures: every test works in its own folder with its own warehouse file."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import Paths

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(
        landing=tmp_path / "landing", warehouse=tmp_path / "warehouse" / "arrears.duckdb", out=tmp_path / "outbox"
    )
