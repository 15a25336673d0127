import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role
from yixun.lib import phone as phones


class PhoneField(forms.CharField):
    """A mainland mobile number, cleaned to E.164 whatever way it was typed."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "placeholder": "138 0013 8000"}
        )

    def clean(self, value: object) -> str:
        raw = super().clean(value)
        return phones.validate_mobile(raw) if raw else raw


class LoginForm(forms.Form):
    phone = PhoneField()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(forms.Form):
    phone = PhoneField()


class CodeRequestForm(forms.Form):
    phone = PhoneField()


class CodeField(forms.CharField):
    """The six digits of a code from a text message, typed with or without spaces or a dash, in
    half- or full-width digits (a Chinese keyboard may give either)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Code from the text message"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "123456"}
        )

    def clean(self, value: object) -> str:
        raw = super().clean(value)
        digits = "".join(
            ch for ch in unicodedata.normalize("NFKC", raw) if not ch.isspace() and ch != "-"
        )
        if len(digits) != 6 or not digits.isascii() or not digits.isdigit():
            raise ValidationError(_("Enter the 6 digits of the code."), code="invalid")
        return digits


class CodeForm(forms.Form):
    code = CodeField()


class PasswordStepForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=80,
        initial="",
        help_text=_("For example: duty roster script"),
    )


class TextSizeForm(forms.Form):
    text_size = forms.ChoiceField(
        label=_("Text size"),
        choices=[("normal", _("Standard")), ("large", _("Larger"))],
        widget=forms.RadioSelect,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or number"), required=False, max_length=50)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *Role.choices]
    )
