from collections.abc import Callable
from typing import Any

import pytest

from yixun.accounts.models import User
from yixun.bulletins import services
from yixun.bulletins.models import Bulletin, Kind


@pytest.fixture
def write() -> Callable[..., Bulletin]:
    """A draft, written through the service: `write(moderator, kind=Kind.ALERT, to_public=True)`."""

    def draft(author: User, **fields: Any) -> Bulletin:
        fields.setdefault("kind", Kind.ALERT)
        fields.setdefault("title", "近期电信诈骗高发")
        fields.setdefault("body", "冒充**公检法**的电话，一律挂断。")
        if not any(fields.get(k) for k in ("to_public", "to_members", "squads", "areas", "roles")):
            fields["to_public"] = True
        return services.save_bulletin(actor=author, **fields)

    return draft


@pytest.fixture
def publish(write: Callable[..., Bulletin]) -> Callable[..., Bulletin]:
    """Written, sent for review and approved: `publish(moderator, police, kind=...)`."""

    def out(author: User, approver: User, **fields: Any) -> Bulletin:
        bulletin = write(author, **fields)
        services.submit_bulletin(actor=author, bulletin=bulletin)
        return services.approve_bulletin(actor=approver, bulletin=bulletin)

    return out
