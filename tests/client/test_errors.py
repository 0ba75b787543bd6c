from __future__ import annotations

import pickle

import pytest

from bland_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BlandError,
    ConflictError,
    EvalsDisabledError,
    InternalServerError,
    InvalidRequestError,
    NoDraftVersionError,
    NotFoundError,
    PermissionDeniedError,
    PersonaInUseError,
    RateLimitError,
    ResponseValidationError,
    UnprocessableEntityError,
    VersionNotFoundError,
)
from bland_async._errors import make_status_error


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_status_registry(status: int, cls: type[APIStatusError]) -> None:
    error = make_status_error(status, None, headers={})
    assert type(error) is cls
    assert error.status == status
    assert error.code is None
    assert error.message  # a reason phrase at least


def test_standard_envelope() -> None:
    body = {
        "data": None,
        "errors": [
            {
                "error": "PERSONA_IN_USE",
                "message": "Persona is in use",
                "details": {"persona_id": "p1", "phone_numbers_using": ["+14155551234"]},
            }
        ],
    }
    error = make_status_error(
        409, body, headers={"x-request-id": "req_1"}, method="DELETE", route="/v1/personas/{id}"
    )
    assert type(error) is PersonaInUseError
    assert isinstance(error, ConflictError)
    assert (error.code, error.message, error.request_id) == (
        "PERSONA_IN_USE",
        "Persona is in use",
        "req_1",
    )
    assert error.details["phone_numbers_using"] == ["+14155551234"]
    assert str(error) == (
        "409 PERSONA_IN_USE: Persona is in use (DELETE /v1/personas/{id}) [request_id=req_1]"
    )


def test_variant_envelope() -> None:
    body = {
        "error": {
            "code": "VERSION_NOT_FOUND",
            "message": "Version not found",
            "details": {"available_versions": ["a", "b"]},
        }
    }
    error = make_status_error(404, body, headers={})
    assert type(error) is VersionNotFoundError
    assert error.details == {"available_versions": ["a", "b"]}


def test_legacy_and_text_bodies() -> None:
    legacy = {"status": "error", "message": "Rate limit exceeded", "errors": ["slow down"]}
    error = make_status_error(429, legacy, headers={"retry-after": "2"})
    assert type(error) is RateLimitError
    assert error.message == "Rate limit exceeded"
    assert error.retry_after == 2.0
    text = make_status_error(502, "<html>Bad gateway</html>", headers={})
    assert type(text) is InternalServerError
    assert text.message == "<html>Bad gateway</html>"
    flat = make_status_error(400, {"error": "BAD", "message": "nope"}, headers={})
    assert (flat.code, flat.message) == ("BAD", "nope")
    strings = make_status_error(400, {"errors": ["a", "b"]}, headers={})
    assert strings.message == "a; b"


def test_code_class_whatever_the_status() -> None:
    # The docs name the codes, not their statuses: the code's class is used under any
    # status, and is then also the status's class.
    body = {"errors": [{"error": "NO_DRAFT_VERSION", "message": "m"}]}
    assert type(make_status_error(409, body, headers={})) is NoDraftVersionError
    as_400 = make_status_error(400, body, headers={})
    assert isinstance(as_400, NoDraftVersionError)
    assert isinstance(as_400, BadRequestError)
    assert (as_400.status, as_400.code, type(as_400).__name__) == (
        400,
        "NO_DRAFT_VERSION",
        "NoDraftVersionError",
    )
    assert type(make_status_error(400, body, headers={})) is type(as_400)  # made once
    as_502 = make_status_error(502, body, headers={})
    assert isinstance(as_502, NoDraftVersionError)
    assert isinstance(as_502, InternalServerError)
    assert type(make_status_error(499, body, headers={})) is NoDraftVersionError
    copy = pickle.loads(pickle.dumps(as_400))
    assert type(copy) is type(as_400)
    assert copy.__dict__ == as_400.__dict__


def test_hierarchy() -> None:
    assert issubclass(InvalidRequestError, ValueError)
    assert issubclass(InvalidRequestError, BlandError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(EvalsDisabledError, NotFoundError)
    assert issubclass(ResponseValidationError, BlandError)


def test_errors_pickle() -> None:
    status = make_status_error(
        409,
        {"errors": [{"error": "PERSONA_IN_USE", "message": "m", "details": {"a": 1}}]},
        headers={"x-request-id": "r"},
        method="DELETE",
        route="/x",
    )
    errors: list[BlandError] = [
        status,
        APITimeoutError("t", method="GET", route="/y", may_have_been_applied=True),
        ResponseValidationError("bad", body={"x": 1}, request_id="r2"),
        EvalsDisabledError("off", reason="not in plan", status=404),
        InvalidRequestError("limit must be..."),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert copy.__dict__ == error.__dict__
