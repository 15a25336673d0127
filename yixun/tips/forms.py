from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yixun.lib import days
from yixun.places.models import Area
from yixun.tips.models import Outcome, ScreeningKind, TipCategory, TipRules


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(item, initial) for item in files]


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about?"), choices=TipCategory.choices)
    text = forms.CharField(
        label=_("What happened"),
        min_length=5,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_happening_now = forms.BooleanField(label=_("It is happening now"), required=False)
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    latitude = forms.FloatField(
        min_value=-90, max_value=90, required=False, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        min_value=-180, max_value=180, required=False, widget=forms.HiddenInput
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    photos = PhotosField(
        label=_("Photos (up to four)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Your mobile number"), max_length=20, required=False)
    captcha = forms.CharField(label=_("The digits in the picture"), max_length=8, required=False)

    def clean_occurred_at(self) -> Any:
        at = self.cleaned_data.get("occurred_at")
        if at is not None and not days.FIRST <= at.date() <= days.LAST:
            raise forms.ValidationError(days.OUT_OF_RANGE, code="out_of_range")
        return at


class LookUpForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MessageForm(forms.Form):
    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ForwardForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.all())
    summary = forms.CharField(
        label=_("Summary for the police"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    public_answer = forms.CharField(
        label=_("Answer for the reporter"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    public_answer = forms.CharField(
        label=_("Answer for the reporter"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note for the moderators"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=200)


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Number of the tip to merge into"), min_value=1, max_value=2**62
    )


class RulesForm(forms.ModelForm):
    class Meta:
        model = TipRules
        fields = [
            "ack_urgent_minutes",
            "ack_minutes",
            "resolve_hours",
            "contact_retention_days",
            "tips_per_hour",
            "captcha_after",
            "spam_threshold",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.Meta.fields:
            if data.get(name) == 0:
                self.add_error(name, _("Use a number above 0."))
        return data


class TermForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ScreeningKind.choices)
    term = forms.CharField(label=_("Word or phrase"), max_length=60)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=30)
