"""The duty page's forms. Each carries the idempotency key and the time the thing happened, so
that a form queued offline and sent later makes one record, dated when it happened."""

import datetime as dt
import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from yixun.lib import days
from yixun.patrols.models import DutyRules, Finding, IncidentKind
from yixun.patrols.services.logs import LARGEST_COUNT
from yixun.places.models import Site


class Sent(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].initial = uuid.uuid4()  # a new key for every form shown

    def clean_at(self) -> dt.datetime | None:
        at: dt.datetime | None = self.cleaned_data.get("at")
        if at is not None and not days.FIRST <= at.date() <= days.LAST:
            raise forms.ValidationError(days.OUT_OF_RANGE, code="out_of_range")
        return at


NO_POSITION = {"required": _("Your phone did not give a position.")}


class PositionForm(Sent):
    latitude = forms.FloatField(
        min_value=-90, max_value=90, widget=forms.HiddenInput, error_messages=NO_POSITION
    )
    longitude = forms.FloatField(
        min_value=-180, max_value=180, widget=forms.HiddenInput, error_messages=NO_POSITION
    )


class CheckOutForm(Sent):
    """A check-out: by the volunteer's phone (with its key and time) or by the leader's button
    (with neither). `confirm` is the second step that ends a duty before the shift's end."""

    key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)


class ReadAtOnce(forms.models.ModelChoiceIterator):
    """The choices read in one query: Django's iterator opens a server-side cursor on
    PostgreSQL, three round trips for a list of a few sites on every duty page."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class SiteChoiceField(forms.ModelChoiceField):
    iterator = ReadAtOnce


class InspectionForm(Sent):
    site = SiteChoiceField(queryset=Site.objects.none(), label=_("Site"))
    finding = forms.ChoiceField(choices=Finding.choices, label=_("Finding"), initial=Finding.NORMAL)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, sites: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["site"])
        field.queryset = sites if sites is not None else Site.objects.filter(is_active=True)
        if sites is not None:
            field.empty_label = None  # the shift's own sites: the first is chosen already


def count_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=LARGEST_COUNT, initial=0, required=False
    )


class IncidentForm(Sent):
    kind = forms.ChoiceField(choices=IncidentKind.choices, label=_("Kind"))
    account = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    people_helped = count_field(_("People helped"))
    leaflets = count_field(_("Leaflets handed out"))
    people_reached = count_field(_("People reached"))


class PhotoForm(Sent):
    image = forms.FileField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the shift"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ManualCheckInForm(forms.Form):
    reason = forms.CharField(label=_("Why by hand"), max_length=200)


class HoursRequestForm(Sent):
    minutes = forms.IntegerField(label=_("Minutes it should be"), min_value=0, max_value=24 * 60)
    reason = forms.CharField(label=_("Why"), max_length=300)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=lambda v: v == "1"
    )
    answer = forms.CharField(label=_("Answer"), max_length=300, required=False)


class InspectionCorrectionForm(forms.Form):
    finding = forms.ChoiceField(choices=Finding.choices, label=_("Finding"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300, required=False)


class IncidentCorrectionForm(forms.Form):
    kind = forms.ChoiceField(choices=IncidentKind.choices, label=_("Kind"))
    account = forms.CharField(label=_("What happened"), max_length=2000)
    people_helped = count_field(_("People helped"))
    leaflets = count_field(_("Leaflets handed out"))
    people_reached = count_field(_("People reached"))
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300, required=False)


class RulesForm(forms.ModelForm):
    class Meta:
        model = DutyRules
        fields = [
            "radius_m",
            "open_minutes_before",
            "late_after_minutes",
            "grace_minutes",
            "round_to_minutes",
            "rounding",
        ]
        widgets = {"radius_m": forms.NumberInput(attrs={"min": 10, "max": 5000})}

    def clean_radius_m(self) -> int:
        radius: int = self.cleaned_data["radius_m"]
        if not 10 <= radius <= 5000:
            raise forms.ValidationError(_("Choose a radius between 10 and 5,000 m."))
        return radius
