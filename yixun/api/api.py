from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema

from yixun.api import errors
from yixun.api.auth import api_auth
from yixun.api.routers import (
    accounts,
    applications,
    audit,
    bulletin_channels,
    bulletins,
    duty,
    events,
    figures,
    insurance,
    members,
    open311,
    patrol_logs,
    police,
    rulebook,
    shifts,
    tips,
)
from yixun.api.schemas import NO_NUL


class YixunAPI(NinjaAPI):
    """Ninja, with the rules that hold for every operation written into its document."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        state_global_rules(document)
        return document


def state_global_rules(document: dict[str, Any]) -> None:
    """Say in the document what yixun.api.middleware refuses for every operation: a body over
    the size limit (413, wherever a body is taken), and a NUL character in any text sent (`not`
    a NUL, on every string of a parameter or a body that no format or enum bounds)."""
    components = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for methods in document["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                _no_nul(parameter.get("schema", {}), components, seen)
            body = operation.get("requestBody")
            if body is None:
                continue
            for content in body.get("content", {}).values():
                _no_nul(content.get("schema", {}), components, seen)
            operation["responses"].setdefault(
                "413",
                {
                    "description": "Content Too Large",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                    },
                },
            )


# Keywords under which a JSON Schema holds other schemas (as a dict of them, a list, or one).
_NESTED = ("properties", "patternProperties", "$defs")
_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SINGLE = ("items", "additionalProperties", "propertyNames", "not", "contains")


def _no_nul(schema: Any, components: dict[str, Any], seen: set[str]) -> None:
    if not isinstance(schema, dict):
        return
    if ref := schema.get("$ref"):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in components:
            seen.add(name)
            _no_nul(components[name], components, seen)
        return
    if schema.get("type") == "string" and not {"format", "enum", "const", "not"} & set(schema):
        schema.update(NO_NUL)
    for key in _NESTED:
        for nested in schema.get(key, {}).values():
            _no_nul(nested, components, seen)
    for key in _LISTS:
        for nested in schema.get(key, []):
            _no_nul(nested, components, seen)
    for key in _SINGLE:
        _no_nul(schema.get(key), components, seen)


api = YixunAPI(
    title="Yixun API",
    version="1",
    description=(
        "The REST API of Yixun (义巡). Authenticate with a personal access token "
        "(`Authorization: Bearer yx_…`, issued on your account page or with "
        "`manage.py issue_token`) or with a signed-in session. Errors are JSON: "
        '`{"code": "…", "message": "…"}`, the message in the language of `Accept-Language`.'
    ),
    auth=api_auth,
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": True}),
)
errors.install(api)
api.add_router("/", accounts.router)
api.add_router("/audit", audit.router)
api.add_router("/", members.router)
api.add_router("/", applications.router)
api.add_router("/", rulebook.router)
api.add_router("/", insurance.router)
api.add_router("/", shifts.router)
api.add_router("/", police.router)
api.add_router("/", duty.router)
api.add_router("/", patrol_logs.router)
api.add_router("/", figures.router)
api.add_router("/", tips.router)
# Before the bulletins' own: their `/bulletins/{bulletin_id}` would take "subscriptions" too.
api.add_router("/", bulletin_channels.router)
api.add_router("/", bulletins.router)
api.add_router("/", events.router)
api.add_router("/open311/v2", open311.router)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """An unknown address under /api/v1/ answers in JSON too, not with the HTML 404 page."""
    return errors.error(api, request, 404, "not_found", _("There is no such API endpoint."))
