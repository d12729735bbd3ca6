from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from fallbacks.api.errors import unavailable_response
from fallbacks.validation import has_control_characters


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
