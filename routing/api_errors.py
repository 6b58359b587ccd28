"""Every API error as `{"error": "<sentence>", "code": "<snake_case>"}`."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from routing.intake import LeadInputError

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An error with a sentence for the integrator and a stable code."""

    def __init__(self, message: str, *, code: str, status: int = 400, field: str = ""):
        super().__init__(message)
        self.status_code, self.error_code, self.field = status, code, field


def error_handler(exc: Exception, context: dict) -> Response | None:
    """Return DRF's errors, and our own, in the API's one error shape."""
    if isinstance(exc, LeadInputError):
        body = {"error": str(exc), "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        if exc.index is not None:
            body["index"] = exc.index
        return Response(body, status=400)
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "error_code", None) or _code(exc)
    response.data = {"error": _sentence(exc), "code": code}
    if field := getattr(exc, "field", ""):
        response.data["field"] = field
    return response


def _as_api_exception(exc: Exception) -> Exception:
    # DRF answers Django's own 404 and 403 too, but only its own exceptions
    # carry the code our body needs.
    if isinstance(exc, RequestDataTooBig):
        # Django's own answer would be its HTML 400 page.
        return ApiError(
            f"The body is larger than the API takes "
            f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20} MB). Send at "
            "most 1,000 leads per request.",
            code="too_large",
            status=413,
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound("Nothing was found at this address.")
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _code(exc: Exception) -> str:
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    return codes if isinstance(codes, str) else "invalid"


def _sentence(exc: Exception) -> str:
    # DRF's own parse error repeats the decoder's words; the API's parser
    # raises a subclass whose message says what to fix.
    if type(exc) is exceptions.ParseError:
        return "The body is not valid JSON."
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "Send the body as JSON with Content-Type: application/json."
    detail = getattr(exc, "detail", str(exc))
    return detail if isinstance(detail, str) else str(detail)
