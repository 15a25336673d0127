import datetime as dt
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.lib import crypto, resident_id
from yixun.members.models.choices import Occupation, Sex

ADULT_AGE = 18
MINIMUM_AGE = 16


def photo_path(instance: object, filename: str) -> str:
    """A name nobody can guess: photos are personal data, served only through access checks."""
    return f"photos/{uuid.uuid4().hex}.jpg"


class PersonalDetails(models.Model):
    """What a person tells the association about themselves, on an application and as a member.

    The resident ID number is stored encrypted, with a keyed digest to find
    duplicates and a masked form to show. Date of birth and sex are read from
    the number, never typed separately, so they cannot disagree with it.
    """

    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(
        _("resident ID number"), max_length=18, blank=True, editable=False
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True, editable=False)
    occupation = models.CharField(
        _("occupation"), max_length=12, choices=Occupation.choices, blank=True
    )
    availability = models.JSONField(_("usual patrol times"), default=list, blank=True)
    home_area = models.ForeignKey(
        "places.Area",
        verbose_name=_("lives in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    emergency_name = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_phone = models.CharField(_("emergency contact's phone"), max_length=16, blank=True)
    guardian_name = models.CharField(_("guardian"), max_length=50, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=16, blank=True)
    guardian_consent_at = models.DateTimeField(_("guardian consented"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)

    class Meta:
        abstract = True

    def set_id_number(self, parsed: resident_id.ResidentId) -> None:
        self.id_number_encrypted = crypto.encrypt(parsed.number)
        self.id_number_digest = crypto.blind_index(parsed.number)
        self.id_number_masked = parsed.masked
        self.birth_date = parsed.birth_date
        self.sex = parsed.sex

    def clear_id_number(self) -> None:
        self.id_number_encrypted = self.id_number_digest = self.id_number_masked = ""
        self.birth_date = None
        self.sex = ""

    def decrypted_id_number(self) -> str:
        """The full number. Only services call this, and they audit who saw it and why."""
        return crypto.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    def age_on(self, day: dt.date) -> int | None:
        return resident_id.age_on(self.birth_date, day) if self.birth_date else None

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def is_minor(self) -> bool:
        age = self.age
        return age is not None and age < ADULT_AGE
