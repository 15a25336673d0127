from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import (
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from yixun.accounts import preferences, services, signin
from yixun.accounts.forms import (
    CodeForm,
    CodeRequestForm,
    LoginForm,
    PasswordResetRequestForm,
    PasswordStepForm,
    PeopleFilterForm,
    RoleForm,
    TextSizeForm,
    TokenForm,
)
from yixun.accounts.http import SignedInRequest
from yixun.accounts.models import AccessToken, User
from yixun.accounts.roles import Role
from yixun.lib import phone as phones
from yixun.lib.errors import DomainError
from yixun.lib.http import safe_next
from yixun.navigation import TEXT_COOKIE


def _safe_next(request: HttpRequest) -> str:
    return safe_next(request, reverse("home"))


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signin.sign_in(
                request=request,
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                next_url=_safe_next(request),
            )
        except signin.LoginRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            if user is not None:
                return _enter(request, user, _safe_next(request))
            _send_step_code(request)
            return redirect("accounts:second_step")
    status = 400 if form.errors else 200
    return render(
        request, "accounts/login.html", {"form": form, "next": _safe_next(request)}, status=status
    )


def _enter(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Sign the person in (the checks are done) and take them where they were going."""
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    response = redirect(next_url)
    _remember_language(response, user.language)
    return response


def _send_step_code(request: HttpRequest) -> None:
    try:
        signin.send_second_step_code(request=request)
    except DomainError as refusal:
        messages.error(request, refusal.message)


def second_step(request: HttpRequest) -> HttpResponse:
    """Staff: the factor still owed after the first, a code or the password."""
    step = signin.second_step(request)
    if step is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    user, awaits = step
    form_class = CodeForm if awaits == "code" else PasswordStepForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, next_url = signin.finish_second_step(
                request=request,
                code=form.cleaned_data.get("code", ""),
                password=form.cleaned_data.get("password", ""),
            )
        except signin.StepExpired as refusal:
            messages.error(request, refusal.message)
            return redirect("accounts:login")
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return _enter(request, user, next_url)
    return render(
        request,
        "accounts/second_step.html",
        {"form": form, "awaits": awaits, "phone": user.masked_phone},
        status=400 if form.errors else 200,
    )


@require_POST
def second_step_resend(request: HttpRequest) -> HttpResponse:
    try:
        signin.send_second_step_code(request=request)
    except signin.StepExpired as refusal:
        messages.error(request, refusal.message)
        return redirect("accounts:login")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("A new code is on its way. Earlier codes no longer work."))
    return redirect("accounts:second_step")


@require_POST
def second_step_cancel(request: HttpRequest) -> HttpResponse:
    signin.cancel_second_step(request=request)
    return redirect("accounts:login")


def login_code(request: HttpRequest) -> HttpResponse:
    """Sign in with a code sent to the phone: first, the number."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signin.request_sign_in_code(
                request=request, phone=form.cleaned_data["phone"], next_url=_safe_next(request)
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("accounts:login_code_enter")
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "next": _safe_next(request)},
        status=400 if form.errors else 200,
    )


def login_code_enter(request: HttpRequest) -> HttpResponse:
    """Sign in with a code sent to the phone: then, the code."""
    number = signin.code_sign_in_number(request)
    if number is None:
        return redirect("accounts:login_code")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, next_url = signin.sign_in_with_code(
                request=request, code=form.cleaned_data["code"]
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            if user is None:  # staff: their password is owed too
                return redirect("accounts:second_step")
            return _enter(request, user, next_url)
    return render(
        request,
        "accounts/login_code_enter.html",
        {"form": form, "phone": phones.mask(number)},
        status=400 if form.errors else 200,
    )


@require_POST
def login_code_resend(request: HttpRequest) -> HttpResponse:
    try:
        signin.resend_sign_in_code(request=request)
    except signin.StepExpired:
        return redirect("accounts:login_code")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("If this number belongs to an account, a new code is on its way.")
        )
    return redirect("accounts:login_code_enter")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language, and keep the choice on the account so it follows the person."""
    if isinstance(request.user, User):
        services.set_language(user=request.user, language=request.POST.get("language", ""))
    return django_set_language(request)


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    user = request.user
    size = "large" if user.large_text else "normal"
    text_form = TextSizeForm(request.POST or None, initial={"text_size": size})
    if request.method == "POST" and text_form.is_valid():
        large = text_form.cleaned_data["text_size"] == "large"
        preferences.set_large_text(user=user, large=large)
        messages.success(request, _("Saved."))
        response = redirect("accounts:account")
        # The device keeps the choice too, for its pages after signing out.
        response.set_cookie(
            TEXT_COOKIE, "large" if large else "normal", max_age=365 * 86400, samesite="Lax"
        )
        return response
    tokens = AccessToken.objects.visible_to(user).active()
    return render(
        request,
        "accounts/account.html",
        {"tokens": tokens, "token_form": TokenForm(), "text_form": text_form},
        status=400 if text_form.errors else 200,
    )


@login_required
def password_change(request: SignedInRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.change_password(
            user=request.user, new_password=form.cleaned_data["new_password1"], actor=request.user
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:account")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def link_for(user: User) -> str:
            path = reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            return request.build_absolute_uri(path)

        try:
            services.request_password_reset(
                request=request, phone=form.cleaned_data["phone"], link_for=link_for
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return render(
                request,
                "accounts/password_reset_sent.html",
                {"phone": phones.mask(form.cleaned_data["phone"])},
            )
    return render(
        request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200
    )


def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/password_reset_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(
            user=user, new_password=form.cleaned_data["new_password1"], actor=user, reset=True
        )
        messages.success(request, _("Your password has been set. You can sign in with it now."))
        return redirect("accounts:login")
    return render(
        request,
        "accounts/password_reset_confirm.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_create(request: SignedInRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        tokens = AccessToken.objects.visible_to(request.user).active()
        return render(
            request, "accounts/account.html", {"tokens": tokens, "token_form": form}, status=400
        )
    token, plain = services.issue_token(
        user=request.user, name=form.cleaned_data["name"], actor=request.user
    )
    return render(request, "accounts/token_created.html", {"token": token, "plain": plain})


@login_required
@require_POST
def token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(AccessToken.objects.visible_to(request.user).active(), pk=pk)
    services.revoke_token(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("accounts:account")


PEOPLE_PER_PAGE = 50


@login_required
@permission_required("accounts.view_user", raise_exception=True)
def people(request: SignedInRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    found = (
        User.objects.visible_to(request.user).prefetch_related("role_grants").order_by("name", "pk")
    )
    if form.is_valid():
        if query := form.cleaned_data["q"]:
            digits = "".join(ch for ch in query if ch.isdigit())
            condition = Q(name__icontains=query)
            if len(digits) >= 4:
                condition |= Q(phone__contains=digits)
            found = found.filter(condition)
        if role := form.cleaned_data["role"]:
            found = found.with_role(role)
    page = Paginator(found, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "accounts/people.html", {"form": form, "page": page, "roles": Role.choices}
    )


@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
@require_POST
def person_role(request: SignedInRequest, pk: int, change: str) -> HttpResponse:
    if change not in ("grant", "revoke"):
        raise Http404
    person = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("accounts:people")
    role = form.cleaned_data["role"]
    try:
        if change == "grant":
            services.grant_role(user=person, role=role, actor=request.user)
        else:
            services.revoke_role(user=person, role=role, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Roles of %(name)s updated.") % {"name": person.name})
    return redirect(_safe_next(request) if request.POST.get("next") else "accounts:people")
