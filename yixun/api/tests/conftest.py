import pytest
from _pytest.nodeid import coerce_node_id

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.members.models import Member, Squad


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis test its operation in its node id. Schemathesis names the tests
    `test_…[GET /api/v1/me]` but gives them all one node id, and pytest-xdist's `loadgroup`
    (what `make pytest` runs) schedules by node id: the ninety operations ran as one."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and not item.nodeid.endswith(f"[{label}]"):
            item._id = coerce_node_id(f"{item.nodeid}[{label}]")


@pytest.fixture
def deputy(squad: Squad, leader: User) -> User:
    """A moderator who deputises for the leader's squad, without the squad-leader role: what
    they may see of the squad goes with the squad they help lead, as on the pages."""
    user = accounts.create_user(
        phone="13900000008", name="吴副队", password=None, actor=None, roles=[Role.MODERATOR]
    )
    Member.objects.create(user=user, squad=squad)
    squad.deputies.add(user)
    return user


@pytest.fixture
def superuser(db: None) -> User:
    """A Django superuser who holds no role of the association."""
    user = accounts.create_user(
        phone="13900000009", name="系统管理员", password=None, actor=None, roles=[]
    )
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user
