from django import forms
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


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=80,
        initial="",
        help_text=_("For example: duty roster script"),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or number"), required=False, max_length=50)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *Role.choices]
    )
