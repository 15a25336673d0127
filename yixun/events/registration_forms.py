"""The public's registration: a name and a mobile number, then the code sent to it."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from yixun.lib import phone as phones


class PublicRegistrationForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Give your name.")},
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Give your mobile number.")},
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give your name."))
        return name

    def clean_phone(self) -> str:
        return phones.validate_mobile(self.cleaned_data["phone"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("Type the six digits of the code."))],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )
