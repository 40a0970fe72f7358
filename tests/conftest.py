"""Suite-wide fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own result cache: the suite never reads or fills ~/.cache/dflint."""
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path_factory.mktemp("dflint-cache")))
