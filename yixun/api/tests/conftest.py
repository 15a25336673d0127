import pytest
from _pytest.nodeid import coerce_node_id


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis test its operation in its node id. Schemathesis names the tests
    `test_…[GET /api/v1/me]` but gives them all one node id, and pytest-xdist's `loadgroup`
    (what `make pytest` runs) schedules by node id: the ninety operations ran as one."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and not item.nodeid.endswith(f"[{label}]"):
            item._id = coerce_node_id(f"{item.nodeid}[{label}]")
