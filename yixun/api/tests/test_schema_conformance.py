"""Schemathesis drives every API operation with generated input: no 5xx, and every answer
matches the OpenAPI document, whatever is sent."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from yixun.accounts import services
from yixun.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def officer_token(officer) -> str:
    return services.issue_token(user=officer, name="schemathesis", actor=officer)[1]


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_promises(case, officer_token) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_token}"})
