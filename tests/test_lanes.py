"""The lanes of tests/conftest.py name modules that exist (a renamed module would silently join the fast lane)."""

from tests.conftest import LANES, TESTS


def test_every_module_of_a_lane_exists():
    assert [m for modules in LANES.values() for m in modules if not (TESTS / m).is_file()] == []
