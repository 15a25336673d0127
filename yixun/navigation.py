"""The navigation each person sees: what their roles let them do, and nothing else."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, roles_of
from yixun.lib import fragments


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    who: str = "everyone"  # everyone | public | signed_in
    perm: str | None = None
    roles: frozenset[str] = frozenset()  # any of these; empty: no role needed
    group: str = "patrol"

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

# Groups by what people do, in the order they appear; an item's group is where a desk's menu and
# a phone's "more" put it. "me" (the account, signing out) sits at the end, always in sight.
GROUPS = [
    ("home", _("Home")),
    ("patrol", _("Patrols")),
    ("tips", _("Tips from the public")),
    ("news", _("Bulletins")),
    ("team", _("Squads and area")),
    ("admin", _("Administration")),
    ("rules", _("Rules")),
    ("me", _("Me")),
]

ITEMS = [
    NavItem("home", _("Home"), "home", group="home"),
    NavItem("join", _("Join us"), "members:apply", "public", group="home"),
    NavItem("about", _("About us"), "public:about", "public", group="home"),
    NavItem("calendar", _("Calendar"), "shifts:week", "signed_in", roles=MEMBERS),
    NavItem("mine", _("My patrols"), "shifts:mine", "signed_in", roles=MEMBERS),
    NavItem("duty", _("On duty"), "patrols:duty", "signed_in", roles=PATROLLERS),
    NavItem("hours", _("My hours"), "patrols:hours", "signed_in", roles=PATROLLERS),
    NavItem("squad_plan", _("Squad plan"), "shifts:squad_plan", "signed_in", roles=LEADERS),
    NavItem("report", _("Report a tip"), "tips:report", group="tips"),
    NavItem(
        "tips",
        _("Tips"),
        "tips:queue",
        "signed_in",
        roles=frozenset({Role.MODERATOR, Role.OFFICER}),
        group="tips",
    ),
    NavItem(
        "police_tips",
        _("Tips for the police"),
        "tips:police",
        "signed_in",
        roles=frozenset({Role.POLICE}),
        group="tips",
    ),
    NavItem(
        "now",
        _("Who is on duty"),
        "patrols:now",
        "signed_in",
        roles=WATCHERS | LEADERS,
        group="team",
    ),
    NavItem(
        "coverage", _("Coverage"), "shifts:coverage", "signed_in", roles=WATCHERS, group="team"
    ),
    NavItem(
        "police",
        _("Police patrols"),
        "shifts:police",
        "signed_in",
        roles=frozenset({Role.POLICE}),
        group="team",
    ),
    NavItem(
        "figures",
        _("Figures"),
        "stats:figures",
        "signed_in",
        roles=WATCHERS | LEADERS,
        group="team",
    ),
    NavItem("bulletins", _("Bulletins"), "bulletins:list", group="news"),
    NavItem("events", _("Events"), "events:list", group="news"),
    NavItem(
        "bulletin_desk",
        _("Bulletin desk"),
        "bulletins:desk",
        "signed_in",
        roles=frozenset({Role.MODERATOR, Role.POLICE, Role.OFFICER}),
        group="news",
    ),
    NavItem("our_work", _("Our work"), "public:figures", "public", group="team"),
    NavItem("squad", _("Squads"), "members:squads", "signed_in", roles=PATROLLERS, group="team"),
    NavItem(
        "members", _("Members"), "members:members", "signed_in", roles=PATROLLERS, group="team"
    ),
    NavItem(
        "planning", _("Planning"), "shifts:planning", "signed_in", roles=OFFICERS, group="admin"
    ),
    NavItem(
        "applications",
        _("Applications"),
        "members:applications",
        "signed_in",
        roles=OFFICERS,
        group="admin",
    ),
    NavItem(
        "insurance", _("Insurance"), "members:insurance", "signed_in", roles=OFFICERS, group="admin"
    ),
    NavItem(
        "partners", _("Partners"), "members:partners", "signed_in", roles=OFFICERS, group="admin"
    ),
    NavItem(
        "public_site",
        _("The public site"),
        "public:edit",
        "signed_in",
        roles=OFFICERS,
        group="admin",
    ),
    NavItem(
        "people",
        _("People and roles"),
        "accounts:people",
        "signed_in",
        "accounts.view_user",
        group="admin",
    ),
    NavItem(
        "audit",
        _("Audit trail"),
        "audit:entries",
        "signed_in",
        "audit.view_auditentry",
        group="admin",
    ),
    NavItem("rules", _("Rules"), "members:rules", group="rules"),
    NavItem("inbox", _("Inbox"), "bulletins:inbox", "signed_in", group="me"),
    NavItem("account", _("My account"), "accounts:account", "signed_in", group="me"),
    NavItem("login", _("Sign in"), "accounts:login", "public", group="me"),
]

# What a phone's bottom bar offers first, for whoever may open it: the work a role comes for
# before the rest. Four of them, and "more" for everything else.
DOCK = [
    "home", "tips", "police_tips", "applications", "calendar", "mine", "duty", "now", "coverage",
    "squad_plan", "hours", "report", "bulletins", "login", "join", "rules",
]  # fmt: skip
DOCK_SIZE = 4
TEXT_COOKIE = "yixun_text"


def items_for(user: Any) -> list[NavItem]:
    return [item for item in ITEMS if item.shown_to(user)]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "my_roles": roles_of(user),
        # Rendered only when a page shows it (a fragment rendered with the request does not).
        "menu": SimpleLazyObject(lambda: menu(request, user)),
        "text_large": large_text(request),
    }


def menu(request: HttpRequest, user: Any) -> SafeString:
    """The menu and the phone's bar: the same for everyone with the same items on the same
    page, so rendered once per such set and language, with the sign-out form's token filled in."""
    shown = tuple(item.key for item in items_for(user))
    match = getattr(request, "resolver_match", None)
    current = (
        f"{match.namespace}:{match.url_name}"
        if match and match.namespace
        else (match.url_name if match else "")
    )
    signed_in = bool(user.is_authenticated)
    html = fragments.cached(
        "menu",
        (shown, current, signed_in),
        lambda: render_to_string("_menu.html", menu_context(shown, current, signed_in)),
    )
    return fragments.with_token(html, request)


def menu_context(shown: tuple[str, ...], current: str, signed_in: bool) -> dict[str, object]:
    keys = set(shown)
    nav = [
        {
            "key": item.key,
            "label": item.label,
            "url": reverse(item.url_name),
            "active": item.url_name == current,
            "group": item.group,
        }
        for item in ITEMS
        if item.key in keys
    ]
    groups = []
    for key, label in GROUPS:
        items = [entry for entry in nav if entry["group"] == key]
        if items:
            groups.append(
                {
                    "key": key,
                    "label": label,
                    "items": items,
                    # A group of one is a plain link; home, rules and "me" never fold away.
                    "is_menu": len(items) > 1 and key not in ("home", "rules", "me"),
                    "active": any(entry["active"] for entry in items),
                }
            )
    by_key = {entry["key"]: entry for entry in nav}
    dock = [by_key[key] for key in DOCK if key in by_key]
    if len(dock) > DOCK_SIZE + 1:  # five fit without "more"; six or more do not
        dock = dock[:DOCK_SIZE]
    docked = {entry["key"] for entry in dock}
    return {
        "nav_groups": groups,
        "nav_dock": sorted(dock, key=nav.index),
        "nav_more": any(entry["key"] not in docked for entry in nav) or signed_in,
        "signed_in": signed_in,
        "csrf_token": fragments.TOKEN,
    }


def large_text(request: HttpRequest) -> bool:
    """Whether pages are set in larger text: the person's own choice, or a visitor's cookie."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(getattr(user, "large_text", False))
    return request.COOKIES.get(TEXT_COOKIE) == "large"
