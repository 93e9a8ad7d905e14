"""The suite itself: pytest imports test modules by basename (no packages under tests/)."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_given_the_suite_when_collected_then_every_test_module_name_is_unique():
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
