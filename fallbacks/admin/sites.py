"""The admin site of the LLM fallback manager: Django's, named for the product, with an index
that leads operators to the default `*` chains, the fallback graph and config import and export.

Installed through fallbacks.apps.FallbacksAdminConfig (in place of django.contrib.admin in
INSTALLED_APPS), so `django.contrib.admin.site` is this site and every `admin.register` lands here.
Its extra pages are routed by `get_urls()`, under /admin/ with the admin's login and context.
"""

from django.contrib import admin
from django.urls import path, reverse

from fallbacks.admin.views import config, graph
from fallbacks.domain import DEFAULT_FALLBACK_TYPE
from fallbacks.models import Configuration

DEFAULT_CHAINS_ENTRY = "Default fallbacks (*) and settings"
# Pages that are not a model's: (URL name in the admin's namespace, URL kwargs, label), listed with the models.
GRAPH_PAGE = "fallbacks_graph"
IMPORT_PAGE = "fallbacks_config_import"
EXPORT_PAGE = "fallbacks_config_export"
OPERATOR_PAGES = [
    (GRAPH_PAGE, {"fallback_type": DEFAULT_FALLBACK_TYPE}, "Fallback graph"),
    (IMPORT_PAGE, {}, "Import a LiteLLM config file"),
    (EXPORT_PAGE, {}, "Export the LiteLLM config"),
]
# Operators look for model groups first; the rest follow in the order they are needed.
ENTRY_ORDER = [
    "ModelGroup",
    "Configuration",
    GRAPH_PAGE,
    "ApiKey",
    "ChangeRecord",
    IMPORT_PAGE,
    EXPORT_PAGE,
]


class FallbacksAdminSite(admin.AdminSite):
    site_header = "LLM fallback manager"
    site_title = "LLM fallback manager"
    index_title = "Model groups and their fallbacks"
    # Django's navigation sidebar takes a fifth of a 1280-pixel window, which the model group list's three chain
    # columns need (issue 11); the breadcrumbs and the index lead everywhere it does.
    enable_nav_sidebar = False

    def get_urls(self):
        pages = [
            path("config/import", self.admin_view(config.config_import_view), name=IMPORT_PAGE),
            path("config/export", self.admin_view(config.config_export_view), name=EXPORT_PAGE),
            path("fallbacks/graph/<str:fallback_type>", self.admin_view(graph.fallback_graph_view), name=GRAPH_PAGE),
        ]
        return pages + super().get_urls()

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            if app["app_label"] == "fallbacks":
                self._lead_to_operator_pages(app)
        return app_list

    def _lead_to_operator_pages(self, app: dict) -> None:
        for entry in app["models"]:
            if entry["object_name"] == "Configuration" and entry.get("admin_url"):
                # The configuration is one row: its entry opens it, where the `*` chains are edited too.
                entry["name"] = DEFAULT_CHAINS_ENTRY
                entry["admin_url"] = reverse(
                    "admin:fallbacks_configuration_change", args=[Configuration.SINGLETON_ID], current_app=self.name
                )
        for url_name, kwargs, label in OPERATOR_PAGES:
            url = reverse(f"{self.name}:{url_name}", kwargs=kwargs, current_app=self.name)
            app["models"].append(
                {"name": label, "object_name": url_name, "admin_url": url, "add_url": None, "view_only": True}
            )
        rank = {name: index for index, name in enumerate(ENTRY_ORDER)}
        app["models"].sort(key=lambda entry: (rank.get(entry["object_name"], len(rank)), entry["name"]))
