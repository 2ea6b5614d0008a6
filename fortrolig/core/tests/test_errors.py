from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from fortrolig.core.errors import ApplicationError, NotFound, ValidationFailed
from fortrolig.core.middleware import ApplicationErrorMiddleware


def _middleware():
    return ApplicationErrorMiddleware(lambda request: HttpResponse())


def test_application_error_becomes_json_for_the_api(db):
    request = RequestFactory().get("/api/v1/anything")
    error = ValidationFailed(field_errors={"email": ["bad"]})
    response = _middleware().process_exception(request, error)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert b'"code": "validation_failed"' in response.content
    assert b'"email"' in response.content


def test_application_error_becomes_a_page_in_the_users_language(db):
    request = RequestFactory().get("/staff/x")
    with translation.override("en"):
        response = _middleware().process_exception(request, NotFound())
    assert response.status_code == 404
    assert b"Not found." in response.content
    assert b"text/html" in response["Content-Type"].encode()


def test_other_exceptions_are_left_to_django(db):
    request = RequestFactory().get("/staff/x")
    assert _middleware().process_exception(request, ValueError("x")) is None


def test_error_message_defaults_and_override():
    translation.activate("en")
    assert str(ApplicationError()) == "The request could not be completed."
    assert str(ApplicationError("Custom")) == "Custom"
    assert ApplicationError(code="special").code == "special"
