"""Changes to the public site: its texts and figures, by officers, with a trace."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib.errors import DomainError
from yixun.public.models import TEXT_LIMIT, PublicSite
from yixun.stats.figures import BY_NAME, FIGURES


class PublicSiteError(DomainError):
    code = "invalid"


class NotAllowed(PublicSiteError):
    code = "not_allowed"
    status = 403


def save_public_site(
    *, actor: Any, intro: str, about_extra: str, contact: str, figures: Sequence[str]
) -> PublicSite:
    """Set the public pages' texts and the figures they show. Everything is checked before
    anything changes: one bad field and the site stays as it was."""
    if not has_role(actor, Role.OFFICER):
        raise NotAllowed(_("Only an officer of the association may change the public site."))
    texts = {"intro": intro, "about_extra": about_extra, "contact": contact}
    for name, text in texts.items():
        if len(text) > TEXT_LIMIT:
            raise PublicSiteError(
                _("A text may be at most %(limit)d characters long.") % {"limit": TEXT_LIMIT},
                code=f"{name}_too_long",
            )
        if "\x00" in text:
            raise PublicSiteError(_("A text holds a character that cannot be shown."), code=name)
    unknown = sorted(set(figures) - BY_NAME.keys())
    if unknown:
        raise PublicSiteError(
            _("There is no figure called %(names)s.") % {"names": ", ".join(unknown)},
            code="unknown_figure",
        )
    chosen = [figure.name for figure in FIGURES if figure.name in set(figures)]
    values: dict[str, Any] = {name: text.strip() for name, text in texts.items()}
    values["figures"] = chosen
    with transaction.atomic():
        PublicSite.current()  # made if it is not there yet
        site = PublicSite.objects.select_for_update().get(pk=1)
        changed = [name for name, value in values.items() if getattr(site, name) != value]
        if not changed:
            return site
        for name in changed:
            setattr(site, name, values[name])
        site.updated_at = timezone.now()
        site.updated_by = actor
        site.save()
        audit.record(
            actor=actor,
            action="public.public_site.updated",
            target=site,
            data={"changed": changed, "figures": chosen},
        )
    return site
