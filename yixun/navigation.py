"""The navigation each person sees: what their roles let them do, and nothing else."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    who: str = "everyone"  # everyone | public | signed_in
    perm: str | None = None

    def shown_to(self, user: Any) -> bool:
        if self.who == "public" and user.is_authenticated:
            return False
        if self.who == "signed_in" and not user.is_authenticated:
            return False
        return self.perm is None or user.has_perm(self.perm)


# In the order they appear. Each app's capabilities join this list as they land.
ITEMS = [
    NavItem("home", _("Home"), "home"),
    NavItem("people", _("People and roles"), "accounts:people", "signed_in", "accounts.view_user"),
    NavItem("audit", _("Audit trail"), "audit:entries", "signed_in", "audit.view_auditentry"),
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
        "nav": [
            {
                "key": item.key,
                "label": item.label,
                "url": reverse(item.url_name),
                "active": item.url_name == current,
            }
            for item in items_for(user)
        ]
    }
