"""Plugins for the whole suite (tests/support is on the path: pyproject's pythonpath)."""

pytest_plugins = ["support.reliability"]
