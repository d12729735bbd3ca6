"""Every API error as JSON, in the contract's shape (PRODUCT.md 3.1), never a 500 page.

Errors are `{"detail": {"error": "<message>", ...}}`. The one exception the contract fixes
is `/v1/models`' own `{"detail": "<message>"}`, raised as PlainDetail.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from fallbacks.validation import RuleViolation

logger = logging.getLogger(__name__)


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
    if isinstance(exc, RuleViolation):
        return Response({"detail": {"error": exc.message, **exc.extra}}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": {"error": "; ".join(exc.messages)}}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response({"detail": {"error": str(exc.args[0])}}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, PlainDetail):
        return Response({"detail": str(exc.detail)}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
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


def json_not_found(request, exception=None):
    return JsonResponse({"detail": {"error": f"No endpoint at {request.path}"}}, status=404)


def json_server_error(request):
    return JsonResponse({"detail": {"error": "Internal server error"}}, status=500)


def json_bad_request(request, exception=None):
    return JsonResponse({"detail": {"error": "Bad request"}}, status=400)


def json_permission_denied(request, exception=None):
    return JsonResponse({"detail": {"error": "Permission denied"}}, status=403)
