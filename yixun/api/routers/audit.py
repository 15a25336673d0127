import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError
from ninja.pagination import paginate

from yixun.api.pagination import Pages
from yixun.api.schemas import ERRORS, Day, Id
from yixun.audit.models import AuditEntry, AuditEntryQuerySet

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    target_type: str
    target_id: str
    target_label: str
    data: dict[str, object]
    address: str | None

    @staticmethod
    def resolve_actor_name(entry: AuditEntry) -> str | None:
        return entry.actor.get_full_name() if entry.actor else None


class AuditFilter(Schema):
    action: str = Field("", description="A dotted code or its start: accounts, accounts.role")
    actor_id: Id | None = None
    target_type: str = Field("", description="app_label.model, such as accounts.user")
    target_id: str = ""
    since: Day | None = Field(None, description="First day, in Asia/Shanghai")
    until: Day | None = Field(None, description="Last day, in Asia/Shanghai")


@router.get("/entries", response={200: list[AuditEntryOut], **ERRORS})
@paginate(Pages)
def list_entries(request: HttpRequest, filters: Query[AuditFilter]) -> AuditEntryQuerySet:
    """The audit trail, newest first, for officers of the association. The permission decides,
    as on the audit page."""
    if not request.user.has_perm("audit.view_auditentry"):
        raise AuthorizationError
    visible = AuditEntry.objects.visible_to(request.user).select_related("actor")
    return visible.matching(**filters.dict())
