"""What officers set for the public site: its texts (Markdown, shown sanitised) and which of the
association's figures the public sees. One row, read on every public page (`current()`)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yixun.lib import generations, markdown
from yixun.stats.figures import BY_NAME, FIGURES

DEFAULT_FIGURES = [
    "duties",
    "volunteers",
    "inspections",
    "accidents",
    "people_helped",
    "people_reached",
    "tips_solved",
]
TEXT_FIELDS = ("intro", "about_extra", "contact")
TEXT_LIMIT = 10_000  # characters in one text: pages of Markdown, not a book


def default_figures() -> list[str]:
    return list(DEFAULT_FIGURES)


def association_name() -> str:
    return settings.YIXUN_ASSOCIATION_NAME or gettext("our volunteer patrol association")


class PublicSite(models.Model):
    """The public site's texts and figures, one row, edited by officers."""

    intro = models.TextField(
        _("who we are and what we do (home page)"),
        blank=True,
        help_text=_("Markdown. Leave empty to show a short default text."),
    )
    about_extra = models.TextField(
        _("more about the association (above the charter)"),
        blank=True,
        help_text=_("Markdown. Optional."),
    )
    contact = models.TextField(
        _("how to reach us: address, phone, office hours"),
        blank=True,
        help_text=_("Markdown. Leave empty to show a short default text."),
    )
    figures = models.JSONField(_("figures shown to the public"), default=default_figures)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("public site")
        verbose_name_plural = _("public site")

    def __str__(self) -> str:
        return str(_("public site"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        generations.renew(self._meta.label)

    @classmethod
    def current(cls) -> "PublicSite":
        return generations.one_row(cls)

    def shown_figures(self) -> list[str]:
        """The chosen figures that exist, in the order the figures page lists them."""
        chosen = set(self.figures or [])
        return [
            figure.name for figure in FIGURES if figure.name in chosen and figure.name in BY_NAME
        ]

    def intro_html(self) -> str:
        if self.intro.strip():
            return markdown.render(self.intro)
        return markdown.render(
            gettext(
                "**{name}** is a volunteer patrol association of local people who patrol "
                "their town beside the police: we watch over schools, markets and stations, "
                "settle small traffic accidents, help people in need, and pass tips from the "
                "public to the police.\n\nAnyone may join, and anyone may send us a tip."
            ).format(name=association_name())
        )

    def about_extra_html(self) -> str:
        return markdown.render(self.about_extra)

    def contact_html(self) -> str:
        if self.contact.strip():
            return markdown.render(self.contact)
        return markdown.render(
            gettext(
                "Reach **{name}** through this site: send a tip and follow it with its code, or "
                "apply to join. Our officers have not yet published an address and office hours."
            ).format(name=association_name())
        )
