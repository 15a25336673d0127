import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from yixun.accounts import services
from yixun.accounts.models import AccessToken, User
from yixun.api.auth import caller
from yixun.api.schemas import ERRORS, BodyIn, Id

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    name: str
    phone: str = Field(description="The caller's own mobile number, E.164")
    language: str
    roles: list[str]


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="The first characters of the token, to recognise it")
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class TokenIn(BodyIn):
    name: str = Field(min_length=1, max_length=80)


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. It is shown this once and never again.")


def _me(request: HttpRequest) -> User:
    return caller(request)


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    """The signed-in user, with their roles."""
    user = _me(request)
    return MeOut(
        id=user.pk,
        name=user.name,
        phone=user.phone,
        language=user.language,
        roles=sorted(user.roles),
    )


@router.get("/me/tokens", response={200: list[TokenOut], **ERRORS})
def list_tokens(request: HttpRequest) -> list[AccessToken]:
    """The caller's active personal access tokens."""
    return list(AccessToken.objects.visible_to(request.user).active())


@router.post("/me/tokens", response={201: TokenCreatedOut, **ERRORS})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    """Issue a new personal access token for the caller."""
    token, plain = services.issue_token(user=_me(request), name=payload.name, actor=request.user)
    return Status(
        201,
        TokenCreatedOut(
            id=token.pk,
            name=token.name,
            hint=token.hint,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            token=plain,
        ),
    )


@router.delete("/me/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request: HttpRequest, token_id: Id) -> Status[None]:
    """Revoke one of the caller's tokens; it stops working at once."""
    token = get_object_or_404(AccessToken.objects.visible_to(request.user).active(), pk=token_id)
    services.revoke_token(token=token, actor=request.user)
    return Status(204, None)
