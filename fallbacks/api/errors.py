"""Every API error as JSON, in the contract's shape (PRODUCT.md 3.1), never a 500 page.

This is the one place where an error kind of fallbacks.errors becomes an HTTP status. Errors are
`{"detail": {"error": "<message>", ...}}`. The contract fixes two exceptions: `/v1/models`' own
`{"detail": "<message>"}`, raised as PlainDetail; and what OpenAI SDKs read, in LiteLLM's own error
shape (its ProxyException), `{"error": {"message", "type", "param", "code"}}`: authentication failures
(401, and 403 for a read-only key writing) on every endpoint, and `GET /v1/models/{model}`'s 404.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from fallbacks import errors
from fallbacks.errors import Conflict, DomainError, ErrorCode, Invalid, NotFound, PreconditionFailed, Unavailable
from fallbacks.services.recording import timed_out_as_unavailable

logger = logging.getLogger(__name__)

BODY_TOO_LARGE = "The request body must be at most {limit} bytes"
RETRY_AFTER_SECONDS = 1

# The HTTP status of each error kind (DomainError's subclasses, none of which derives from another).
STATUS_OF_KIND = {
    Invalid: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    PreconditionFailed: status.HTTP_412_PRECONDITION_FAILED,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def status_of(error: DomainError) -> int:
    for kind, code in STATUS_OF_KIND.items():
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


# LiteLLM's error shape (litellm/proxy/_types.py, ProxyException.to_dict in 1.110.2): its `type` for an error,
# and the `param` it names. `param` is the string "None" where none applies, as PRODUCT.md 3.1 says (LiteLLM
# 1.110.2 itself now sends a JSON null there; OpenAI SDKs read either).
AUTH_ERROR = "auth_error"
INVALID_REQUEST_ERROR = "invalid_request_error"
NO_PARAM = "None"
LITELLM_SHAPED_CODES = {ErrorCode.MODEL_NOT_SERVED: (INVALID_REQUEST_ERROR, "model")}


def litellm_error(message: str, *, type: str, param: str, status_code: int) -> dict:
    """LiteLLM's `{"error": {...}}`, which OpenAI SDKs read (their `str(err)` shows the message)."""
    return {"error": {"message": message, "type": type, "param": param, "code": str(status_code)}}


class PlainDetail(exceptions.APIException):
    """A 400 whose body is `{"detail": "<message>"}`, as LiteLLM's `/v1/models` answers."""

    status_code = status.HTTP_400_BAD_REQUEST


def _flatten(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [message for key, value in detail.items() for message in _flatten(value, f"{prefix}{key}: ")]
    if isinstance(detail, list):
        return [message for item in detail for message in _flatten(item, prefix)]
    return [f"{prefix}{detail}"]


def exception_handler(exc, context):
    request = context.get("request")
    if request is not None:
        # Errors are JSON whatever the view renders otherwise (the schema view negotiates YAML).
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    return _error_response(exc, context)


def database_unavailable(error: OperationalError | InterfaceError) -> Unavailable:
    """A database that cannot answer (down, restarting, a timeout) is Unavailable: PRODUCT.md 8's 503, never a 500."""
    if isinstance(error, OperationalError):
        timed_out = timed_out_as_unavailable(error)
        if timed_out is not None:
            return timed_out
    return Unavailable(errors.DATABASE_UNAVAILABLE, code=ErrorCode.DATABASE_UNAVAILABLE)


def _error_response(exc, context):
    if isinstance(exc, DomainError) and exc.code in LITELLM_SHAPED_CODES:
        kind, param = LITELLM_SHAPED_CODES[exc.code]
        code = status_of(exc)
        return Response(litellm_error(exc.message, type=kind, param=param, status_code=code), status=code)
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable in %s: %s", context.get("view"), exc)
        exc = database_unavailable(exc)
    if isinstance(exc, DomainError):
        code = status_of(exc)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if code == status.HTTP_503_SERVICE_UNAVAILABLE else None
        return Response({"detail": {"error": exc.message, **exc.extra}}, status=code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": {"error": "; ".join(exc.messages)}}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response({"detail": {"error": str(exc.args[0])}}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, PlainDetail):
        return Response({"detail": str(exc.detail)}, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, met while DRF reads the body
        message = BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return Response({"detail": {"error": message}}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed | exceptions.PermissionDenied):
        # (DRF answers 403 instead of 401 when no authenticator can say how to authenticate: not the case here.)
        message = errors.AUTH_NO_KEY if isinstance(exc, exceptions.NotAuthenticated) else str(exc.detail)
        response.data = litellm_error(message, type=AUTH_ERROR, param=NO_PARAM, status_code=response.status_code)
        return response
    if response is None:
        logger.exception("unhandled error in %s", context.get("view"))
        return Response({"detail": {"error": "Internal server error"}}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": {"error": "; ".join(_flatten(exc.detail)), "fields": exc.detail}}
    elif isinstance(exc, Http404):
        response.data = {"detail": {"error": str(exc) or "Not found"}}
    else:
        response.data = {"detail": {"error": "; ".join(_flatten(exc.detail))}}
    return response


def unavailable_response(request, error: OperationalError | InterfaceError):
    """The 503 of a database error met outside an API view: JSON for the API, a short page in the admin."""
    refusal = database_unavailable(error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_admin_path(request):
        page = f"<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1><p>{refusal.message}</p>"
        return HttpResponse(page, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    return JsonResponse(
        {"detail": {"error": refusal.message}}, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers
    )


@csrf_exempt  # a POST to no endpoint is a 404 like a GET, not Django's HTML page for a missing CSRF token
def json_not_found(request, exception=None):
    return JsonResponse({"detail": {"error": f"No endpoint at {request.path}"}}, status=404)


def json_server_error(request):
    return JsonResponse({"detail": {"error": "Internal server error"}}, status=500)


def json_bad_request(request, exception=None):
    return JsonResponse({"detail": {"error": "Bad request"}}, status=400)


def json_permission_denied(request, exception=None):
    return JsonResponse({"detail": {"error": "Permission denied"}}, status=403)


# Django's error handlers (project/urls.py): the admin is read by people in a browser, so its
# errors are Django's own HTML pages; every other path is the API's, and gets the JSON above.
ADMIN_PATH_PREFIX = "/admin/"


def is_admin_path(request) -> bool:
    return request.path_info.startswith(ADMIN_PATH_PREFIX)


def bad_request(request, exception=None):
    if is_admin_path(request):
        return defaults.bad_request(request, exception)
    return json_bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_admin_path(request):
        return defaults.permission_denied(request, exception)
    return json_permission_denied(request, exception)


def not_found(request, exception=None):
    if is_admin_path(request):
        return defaults.page_not_found(request, exception)
    return json_not_found(request, exception)


def server_error(request):
    if is_admin_path(request):
        return defaults.server_error(request)
    return json_server_error(request)
