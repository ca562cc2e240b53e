"""The doctests of the package's pure helpers run as tests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import shadowscan

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(shadowscan.__path__, "shadowscan.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    """Every docstring example in the module holds."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
