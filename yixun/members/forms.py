from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from yixun.accounts.forms import PhoneField
from yixun.accounts.models import User
from yixun.lib import images, resident_id
from yixun.lib.days import DayField
from yixun.members.models import (
    Availability,
    Member,
    Occupation,
    PartnerOrganisation,
    RulebookDocument,
    Skill,
    Squad,
)
from yixun.members.models.members import SquadQuerySet
from yixun.members.models.personal import ADULT_AGE, MINIMUM_AGE
from yixun.members.services.applications import too_young_message
from yixun.members.services.roster import id_number_message
from yixun.places.models import Area


class IdNumberField(forms.CharField):
    """A resident ID number, checked (GB 11643) and parsed into a ResidentId."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Resident ID number"))
        kwargs.setdefault("max_length", 24)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "off", "inputmode": "text", "placeholder": "420923199001011234"}
        )

    def clean(self, value: Any) -> Any:
        raw = super().clean(value)
        if not raw:
            return raw
        try:
            return resident_id.parse(raw, today=timezone.localdate())
        except resident_id.InvalidResidentId as error:
            raise ValidationError(
                id_number_message(error.reason), code="invalid_id_number"
            ) from None


class QuickSelect(forms.Select):
    """A drop-down written out in Python: the roster's filters are drawn on every load of a
    busy page, and the template-per-option widget cost more than the rows beneath it."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(choice)}"{" selected" if str(choice) in chosen else ""}>'
            f"{escape(label)}</option>"
            for choice, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')  # noqa: S308


class NaturalOrderIterator(forms.models.ModelChoiceIterator):
    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        squads = cast(SquadQuerySet, self.queryset)
        for squad in squads.in_natural_order():
            yield self.choice(squad)


class SquadChoiceField(forms.ModelChoiceField):
    """A squad, offered in the order people count them (一, 二, 三), town by town."""

    iterator = NaturalOrderIterator

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Squad.objects.all(), **kwargs)

    def offer(self, squads: list[Squad]) -> None:
        """Offer squads read once for the page (several forms list them); the queryset still
        decides what is accepted."""
        self.choices = [
            *([("", self.empty_label)] if self.empty_label is not None else []),
            *((squad.pk, squad.name) for squad in squads),
        ]


class AreaChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Area.objects.exclude(level=Area.Level.COUNTY), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name())


class SkillsMixin(forms.Form):
    """Skills as ticks, with the two details a plan needs: licence class and languages."""

    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    driving_class = forms.CharField(label=_("Driving licence class"), max_length=10, required=False)
    languages = forms.CharField(
        label=_("Languages besides Mandarin"), max_length=60, required=False
    )

    def skill_entries(self) -> list[dict[str, str]]:
        details = {
            Skill.DRIVING: self.cleaned_data.get("driving_class", ""),
            Skill.LANGUAGE: self.cleaned_data.get("languages", ""),
        }
        chosen = dict.fromkeys(self.cleaned_data.get("skills", []))  # once each, in order
        return [{"skill": skill, "detail": details.get(skill, "").strip()} for skill in chosen]

    @staticmethod
    def initial_for(member: Member) -> dict[str, Any]:
        entries = {entry.skill: entry.detail for entry in member.skills.all()}
        return {
            "skills": list(entries),
            "driving_class": entries.get(Skill.DRIVING, ""),
            "languages": entries.get(Skill.LANGUAGE, ""),
        }


class ApplicationForm(SkillsMixin):
    id_number = IdNumberField(
        help_text=_("Your age is read from it: you must be 16 or older to apply.")
    )
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = PhoneField(help_text=_("You will sign in with this number once you are a member."))
    occupation = forms.ChoiceField(label=_("Occupation"), choices=Occupation.choices)
    availability = forms.MultipleChoiceField(
        label=_("When can you usually patrol?"),
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    home_area = AreaChoiceField(label=_("Where do you live?"), required=False)
    emergency_name = forms.CharField(label=_("Emergency contact"), max_length=50)
    emergency_phone = PhoneField(label=_("Emergency contact's mobile number"))
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=50, required=False)
    guardian_phone = PhoneField(label=_("Guardian's mobile number"), required=False)
    guardian_consent = forms.BooleanField(
        label=_("My guardian knows and agrees that I join the patrols."), required=False
    )
    photo = forms.ImageField(label=_("Photo (optional)"), required=False)
    accept_notice = forms.BooleanField(label=_("I have read and accept the membership notice."))
    notice_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_id_number(self) -> resident_id.ResidentId:
        parsed: resident_id.ResidentId = self.cleaned_data["id_number"]
        if parsed.age_on(timezone.localdate()) < MINIMUM_AGE:
            raise ValidationError(too_young_message(), code="too_young")
        return parsed

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        return images.clean_photo(upload).content if upload else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        parsed = cleaned.get("id_number")
        if parsed is not None and parsed.age_on(timezone.localdate()) < ADULT_AGE:
            for name in ("guardian_name", "guardian_phone"):
                if not cleaned.get(name):
                    self.add_error(name, _("Applicants aged 16 or 17 need this."))
            if not cleaned.get("guardian_consent"):
                self.add_error(
                    "guardian_consent", _("Applicants aged 16 or 17 need their guardian's consent.")
                )
        return cleaned


class DetailsForm(SkillsMixin):
    """What a member may change about themselves."""

    availability = forms.MultipleChoiceField(
        label=_("When can you usually patrol?"),
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    home_area = AreaChoiceField(label=_("Where do you live?"), required=False)
    emergency_name = forms.CharField(label=_("Emergency contact"), max_length=50, required=False)
    emergency_phone = PhoneField(label=_("Emergency contact's mobile number"), required=False)

    def changes(self) -> dict[str, Any]:
        fields = {
            name: self.cleaned_data[name]
            for name in ("availability", "home_area", "emergency_name", "emergency_phone")
        }
        return {**fields, "skills": self.skill_entries()}


class OfficerDetailsForm(DetailsForm):
    occupation = forms.ChoiceField(
        label=_("Occupation"), choices=[("", "—"), *Occupation.choices], required=False
    )
    partner = forms.ModelChoiceField(
        label=_("Came through"), queryset=PartnerOrganisation.objects.all(), required=False
    )

    def changes(self) -> dict[str, Any]:
        return {
            **super().changes(),
            "occupation": self.cleaned_data["occupation"],
            "partner": self.cleaned_data["partner"],
        }


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or number"), required=False, max_length=50)
    squad = SquadChoiceField(label=_("Squad"), required=False, widget=QuickSelect)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Any")), *Member.Kind.choices],
        required=False,
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any")), *Member.Status.choices],
        required=False,
        widget=QuickSelect,
    )
    skill = forms.ChoiceField(
        label=_("Skill"),
        choices=[("", _("Any")), *Skill.choices],
        required=False,
        widget=QuickSelect,
    )
    occupation = forms.ChoiceField(
        label=_("Occupation"),
        choices=[("", _("Any")), *Occupation.choices],
        required=False,
        widget=QuickSelect,
    )
    insured = forms.ChoiceField(
        label=_("Insured today"),
        choices=[("", _("Any")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
        widget=QuickSelect,
    )


class BulkTransferForm(forms.Form):
    """Several members moved to one squad at once (an officer's desk). The members are the
    ticked boxes of the table, `member=<id>` each."""

    squad = SquadChoiceField(
        label=_("Move the chosen members to"),
        required=False,
        empty_label=_("No squad"),
        widget=QuickSelect,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = self.data.getlist("member") if hasattr(self.data, "getlist") else []
        cleaned["members"] = [int(pk) for pk in chosen if str(pk).isdigit()][:500]
        if not cleaned["members"]:
            raise ValidationError(_("Choose members first."), code="none_chosen")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.TextInput)


class StatusForm(ReasonForm):
    status = forms.ChoiceField(label=_("Status"), choices=Member.Status.choices)


class KindForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Member.Kind.choices)


class TransferForm(forms.Form):
    squad = SquadChoiceField(
        label=_("New squad"),
        required=False,
        empty_label=_("No squad"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ExportForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the export needs full ID numbers"), max_length=200, required=False
    )


class SquadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    area = AreaChoiceField(label=_("Area"), required=False)


class LeaderForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=User.objects.none())

    def __init__(self, *args: Any, squad: Squad, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["leader"])
        field.queryset = User.objects.filter(
            membership__squad=squad, membership__status="active"
        ).order_by("name_pinyin")


class DeputiesForm(forms.Form):
    deputies = forms.ModelMultipleChoiceField(
        label=_("Deputies"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, squad: Squad, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["deputies"])
        field.queryset = (
            User.objects.filter(membership__squad=squad, membership__status="active")
            .exclude(led_squads=squad)
            .order_by("name_pinyin")
        )


class DecisionForm(forms.Form):
    squad = SquadChoiceField(
        label=_("Squad"),
        required=False,
        empty_label=_("Decide later"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Member.Kind.choices, initial=Member.Kind.VOLUNTEER
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, sent to the applicant"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("Question, sent to the applicant"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RulebookDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)


class VersionForm(forms.Form):
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 18}))
    change_note = forms.CharField(label=_("What changed"), max_length=200, required=False)


class PolicyForm(forms.Form):
    insurer = forms.CharField(label=_("Insurer"), max_length=80)
    number = forms.CharField(label=_("Policy number"), max_length=60)
    starts_on = DayField(label=_("Cover starts"))
    ends_on = DayField(label=_("Cover ends"))
    sum_insured = forms.DecimalField(
        label=_("Sum insured per person (yuan)"), max_digits=12, decimal_places=2, min_value=1
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("starts_on")
            and cleaned.get("ends_on")
            and cleaned["ends_on"] < cleaned["starts_on"]
        ):
            self.add_error("ends_on", _("The cover cannot end before it starts."))
        return cleaned


class CoverForm(forms.Form):
    """Add members to a policy by group: a squad's, a kind's, or every active member."""

    squad = SquadChoiceField(label=_("Squad"), required=False, empty_label=_("All squads"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Any")), *Member.Kind.choices],
        required=False,
        initial=Member.Kind.CORE,
    )


class PartnerForm(forms.ModelForm[PartnerOrganisation]):
    class Meta:
        model = PartnerOrganisation
        fields = ["name", "kind", "contact_name", "contact_phone", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Roster (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 20 MB."), code="too_large")
        return upload


class DataDownloadForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(
        label=_("I understand that my name, numbers and details will be removed for good.")
    )


class ErasureDecisionForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the member"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
