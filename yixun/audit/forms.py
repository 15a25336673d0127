from django import forms
from django.utils.translation import gettext_lazy as _

from yixun.lib.days import DayField


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=100,
        help_text=_("A code or its start, such as accounts.role"),
    )
    actor = forms.CharField(label=_("Who"), required=False, max_length=50)
    target_type = forms.CharField(label=_("Object type"), required=False, max_length=100)
    target_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = DayField(label=_("From"), required=False)
    until = DayField(label=_("Until"), required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The first day must not be after the last."))
        return cleaned
