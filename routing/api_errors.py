"""Every API error as `{"error": "<sentence>", "code": "<snake_case>"}`."""

import logging

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from routing.intake import LeadInputError

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An error with a sentence for the integrator and a stable code."""

    def __init__(self, message: str, *, code: str, status: int = 400):
        super().__init__(message)
        self.status_code, self.error_code = status, code


def error_handler(exc: Exception, context: dict) -> Response | None:
    """Return DRF's errors, and our own, in the API's one error shape."""
    if isinstance(exc, LeadInputError):
        body = {"error": str(exc), "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        if exc.index is not None:
            body["index"] = exc.index
        return Response(body, status=400)
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "error_code", None) or _code(exc)
    response.data = {"error": _sentence(exc), "code": code}
    return response


def _code(exc: Exception) -> str:
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    return codes if isinstance(codes, str) else "invalid"


def _sentence(exc: Exception) -> str:
    if isinstance(exc, exceptions.ParseError):
        return "The body is not valid JSON."
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "Send the body as JSON with Content-Type: application/json."
    detail = getattr(exc, "detail", str(exc))
    return detail if isinstance(detail, str) else str(detail)
