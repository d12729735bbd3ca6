"""Middleware that answers before any view: probes, and requests the app will not read, each with the API's JSON."""

import io

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from rest_framework import status

from fallbacks.api.errors import BODY_TOO_LARGE, is_admin_path, unavailable_response
from fallbacks.validation import has_control_characters

# Limits the app answers itself, in JSON, below the app server's own (gunicorn.conf.py), which answer in HTML.
MAX_URL_LENGTH = 4096  # characters of path and query string; names are at most 255, `failing=` repeats a few
MAX_HEADER_FIELD_BYTES = 8192  # one header's name and value
MAX_HEADER_BYTES = 32768  # all headers together
URL_TOO_LONG = f"The URL must be at most {MAX_URL_LENGTH} characters"
HEADERS_TOO_LARGE = (
    f"Request header fields too large: each at most {MAX_HEADER_FIELD_BYTES} bytes, "
    f"all together at most {MAX_HEADER_BYTES}"
)
LENGTH_REQUIRED = "A request body needs a Content-Length: this server cannot read a chunked body"
PROBES = {"/health", "/health/readiness"}


def refusal(request, status_code: int, message: str) -> HttpResponse:
    """The API's JSON error, or for a person in the admin a short page saying the same."""
    if is_admin_path(request):
        return HttpResponse(message, status=status_code, content_type="text/plain; charset=utf-8")
    return JsonResponse({"detail": {"error": message}}, status=status_code)


class ProbeMiddleware:
    """`/health` and `/health/readiness` answer whatever the Host header (PRODUCT.md 8: load balancers probe by
    IP address), so they are answered here, before CommonMiddleware checks the host against ALLOWED_HOSTS.
    Their views stay the API's (fallbacks.api.views); only the routing is done early."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PROBES and request.method in ("GET", "HEAD"):
            from fallbacks.api import views  # the views import the whole API; middleware is loaded first

            view = views.HealthView if request.path_info == "/health" else views.ReadinessView
            return view.as_view()(request).render()
        return self.get_response(request)


class RequestLimitsMiddleware:
    """What the app cannot or will not read is refused in JSON before any view reads it:

    - a URL longer than MAX_URL_LENGTH (414) or headers larger than MAX_HEADER_* (431), so that an API
      client gets the API's JSON instead of the app server's HTML page for its own, larger, limits;
    - a chunked body (no Content-Length): read here when the server has de-chunked it (gunicorn says so
      with `wsgi.input_terminated`), within DATA_UPLOAD_MAX_MEMORY_SIZE (413 past it), else 411. Django
      reads only Content-Length bytes, so such a body used to read as empty: a PATCH silently did nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if len(meta.get("PATH_INFO", "")) + len(meta.get("QUERY_STRING", "")) > MAX_URL_LENGTH:
            return refusal(request, status.HTTP_414_REQUEST_URI_TOO_LONG, URL_TOO_LONG)
        sizes = [len(name) + len(str(value)) for name, value in meta.items() if name.startswith("HTTP_")]
        if sizes and (max(sizes) > MAX_HEADER_FIELD_BYTES or sum(sizes) > MAX_HEADER_BYTES):
            return refusal(request, status.HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE, HEADERS_TOO_LARGE)
        if "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower() and not meta.get("CONTENT_LENGTH"):
            if not meta.get("wsgi.input_terminated"):
                return refusal(request, status.HTTP_411_LENGTH_REQUIRED, LENGTH_REQUIRED)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            body = meta["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return refusal(request, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, BODY_TOO_LARGE.format(limit=limit))
            meta["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A database error outside the API's views (an admin page, a session read) is a 503, never a 500.

    The API's views have their own exception handler (fallbacks.api.errors), which answers the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable_response(request, exception)
        return None


class RejectControlCharactersMiddleware:
    """A URL with a control character (`%00` and its kind) names nothing: 400 JSON before any view.

    PostgreSQL refuses NUL in any query, so such a path would otherwise fail deep in a view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request.path) or has_control_characters(request.META.get("QUERY_STRING", "")):
            return JsonResponse({"detail": {"error": "The URL must not contain control characters"}}, status=400)
        if any(has_control_characters(value) for values in request.GET.lists() for value in values[1]):
            return JsonResponse({"detail": {"error": "The URL must not contain control characters"}}, status=400)
        return self.get_response(request)
