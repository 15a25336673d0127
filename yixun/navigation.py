"""The navigation each person sees: what their roles let them do, and nothing else."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, roles_of


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    who: str = "everyone"  # everyone | public | signed_in
    perm: str | None = None
    roles: frozenset[str] = frozenset()  # any of these; empty: no role needed

    def shown_to(self, user: Any) -> bool:
        if self.who == "public" and user.is_authenticated:
            return False
        if self.who == "signed_in" and not user.is_authenticated:
            return False
        if self.roles and not self.roles & roles_of(user):
            return False
        return self.perm is None or user.has_perm(self.perm)


# In the order they appear. Each app's capabilities join this list as they land.
PATROLLERS = frozenset({Role.VOLUNTEER, Role.SQUAD_LEADER, Role.OFFICER})
OFFICERS = frozenset({Role.OFFICER})
LEADERS = frozenset({Role.SQUAD_LEADER})
WATCHERS = frozenset({Role.OFFICER, Role.POLICE})
MEMBERS = frozenset({Role.VOLUNTEER, Role.SQUAD_LEADER, Role.MODERATOR, Role.OFFICER})

ITEMS = [
    NavItem("home", _("Home"), "home"),
    NavItem("join", _("Join us"), "members:apply", "public"),
    NavItem("report", _("Report a tip"), "tips:report"),
    NavItem("calendar", _("Calendar"), "shifts:week", "signed_in", roles=MEMBERS),
    NavItem("mine", _("My patrols"), "shifts:mine", "signed_in", roles=MEMBERS),
    NavItem("duty", _("On duty"), "patrols:duty", "signed_in", roles=PATROLLERS),
    NavItem("hours", _("My hours"), "patrols:hours", "signed_in", roles=PATROLLERS),
    NavItem("squad_plan", _("Squad plan"), "shifts:squad_plan", "signed_in", roles=LEADERS),
    NavItem("coverage", _("Coverage"), "shifts:coverage", "signed_in", roles=WATCHERS),
    NavItem(
        "police", _("Police patrols"), "shifts:police", "signed_in", roles=frozenset({Role.POLICE})
    ),
    NavItem(
        "tips",
        _("Tips"),
        "tips:queue",
        "signed_in",
        roles=frozenset({Role.MODERATOR, Role.OFFICER}),
    ),
    NavItem(
        "police_tips",
        _("Tips for the police"),
        "tips:police",
        "signed_in",
        roles=frozenset({Role.POLICE}),
    ),
    NavItem("now", _("Who is on duty"), "patrols:now", "signed_in", roles=WATCHERS | LEADERS),
    NavItem("figures", _("Figures"), "stats:figures", "signed_in", roles=WATCHERS | LEADERS),
    NavItem("planning", _("Planning"), "shifts:planning", "signed_in", roles=OFFICERS),
    NavItem("squad", _("Squads"), "members:squads", "signed_in", roles=PATROLLERS),
    NavItem("members", _("Members"), "members:members", "signed_in", roles=PATROLLERS),
    NavItem("applications", _("Applications"), "members:applications", "signed_in", roles=OFFICERS),
    NavItem("insurance", _("Insurance"), "members:insurance", "signed_in", roles=OFFICERS),
    NavItem("partners", _("Partners"), "members:partners", "signed_in", roles=OFFICERS),
    NavItem("people", _("People and roles"), "accounts:people", "signed_in", "accounts.view_user"),
    NavItem("audit", _("Audit trail"), "audit:entries", "signed_in", "audit.view_auditentry"),
    NavItem("rules", _("Rules"), "members:rules"),
    NavItem("account", _("My account"), "accounts:account", "signed_in"),
    NavItem("login", _("Sign in"), "accounts:login", "public"),
]


def items_for(user: Any) -> list[NavItem]:
    return [item for item in ITEMS if item.shown_to(user)]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    match = getattr(request, "resolver_match", None)
    current = (
        f"{match.namespace}:{match.url_name}"
        if match and match.namespace
        else (match.url_name if match else "")
    )
    return {
        "my_roles": roles_of(user),
        "nav": [
            {
                "key": item.key,
                "label": item.label,
                "url": reverse(item.url_name),
                "active": item.url_name == current,
            }
            for item in items_for(user)
        ],
    }
