"""Roles, and what each may do: the one place where role checks live.

A user may hold several roles. Apps above `accounts` in the dependency order
(audit) cannot import this module, so every right is also expressed as a
Django permission string that the authentication backend grants from the
roles; `user.has_perm("audit.view_auditentry")` works everywhere.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    SQUAD_LEADER = "squad_leader", _("Squad leader")
    MODERATOR = "moderator", _("Moderator")
    POLICE = "police", _("Police liaison")
    OFFICER = "officer", _("Association officer")


# What each role may do, as permission codes. Scoped rights (a leader's own
# squad, a station's own tips) are decided by each model's visible_to(user).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VOLUNTEER: frozenset(),
    Role.SQUAD_LEADER: frozenset(),
    Role.MODERATOR: frozenset(),
    Role.POLICE: frozenset(),
    Role.OFFICER: frozenset(
        {
            "audit.view_auditentry",
            "accounts.view_user",
            "accounts.manage_roles",
        }
    ),
}


def roles_of(user: Any) -> frozenset[str]:
    """The roles a user holds; the anonymous public holds none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return user.roles


def has_role(user: Any, role: str) -> bool:
    return role in roles_of(user)


# Roles that see informants, police work or everyone's records: they sign in with a
# password and a code sent to their phone, never with either alone.
STAFF_ROLES = frozenset({Role.OFFICER, Role.POLICE, Role.MODERATOR})


def needs_second_factor(user: Any) -> bool:
    """Whether signing in takes a code on top of the password (staff, and Django admins)."""
    return bool(roles_of(user) & STAFF_ROLES) or user.is_superuser or user.is_staff


def permissions_for(roles: frozenset[str]) -> set[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return granted
