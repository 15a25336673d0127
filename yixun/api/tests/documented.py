"""Hold an answer to what the OpenAPI document promises for its operation: a status the
operation declares in `response=`, and a body that fits the schema declared for that status."""

from functools import cache
from typing import Any

import jsonschema_rs
from django.http import HttpResponse

from yixun.api.api import api


@cache
def _document() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1/")


def documented(response: HttpResponse, operation: str) -> Any:
    """The answer's JSON body (None for an empty one), once it is known to be documented.

    `operation` is the method and the path as the document writes it:
    "POST /shifts/{shift_id}/claim".
    """
    method, path = operation.split(" ", 1)
    document = _document()
    responses = document["paths"][f"/api/v1{path}"][method.lower()]["responses"]
    status = response.status_code
    declared = responses.get(status) or responses.get(str(status))
    assert declared is not None, (
        f"{operation} answered {status}, which it does not declare ({sorted(responses)}): "
        f"{response.content[:300]!r}"
    )
    content = declared.get("content")
    if content is None:
        assert response.content == b"", f"{operation} {status} declares no body"
        return None
    body = response.json()
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    errors = [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(body)]
    assert errors == [], f"{operation} {status} does not fit its schema: {errors}"
    return body
