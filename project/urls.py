"""Wiring only: the landing page, the admin, the API, the schema and its docs page, the favicon."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from fallbacks.api.errors import json_not_found

urlpatterns = [
    # What this is, with links to the admin, the API docs and the health checks; the admin's "View site" leads here.
    path("", TemplateView.as_view(template_name="fallbacks/landing.html"), name="home"),
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("fallbacks/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves the script that starts Swagger UI as a file (`?script`), not inline: the page
    # keeps to the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY).
    path(
        "api/docs",
        staff_member_required(
            SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="fallbacks/swagger_ui.html")
        ),
        name="api-docs",
    ),
    path("", include("fallbacks.api.urls")),
    # Anything else is a JSON 404, in DEBUG too (Django's debug 404 page is HTML).
    re_path(r"^(?!admin/|static/)", json_not_found),
]

# Errors outside the API views are JSON too, so clients never get an HTML page; under /admin/
# a person gets Django's HTML error pages instead.
handler400 = "fallbacks.api.errors.bad_request"
handler403 = "fallbacks.api.errors.permission_denied"
handler404 = "fallbacks.api.errors.not_found"
handler500 = "fallbacks.api.errors.server_error"
