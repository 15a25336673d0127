"""The duty tests' county, for the figures."""

from yixun.patrols.tests.conftest import market, school, town

__all__ = ["market", "school", "town"]
