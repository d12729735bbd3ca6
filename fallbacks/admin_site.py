"""The admin site of the LLM fallback manager: Django's, named for the product, with an index
that leads operators to the default `*` chains, the fallback graph and config import and export.

Installed through FallbacksAdminConfig (in place of django.contrib.admin in INSTALLED_APPS), so
`django.contrib.admin.site` is this site and every `admin.register` lands here.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse

DEFAULT_CHAINS_ENTRY = "Default fallbacks (*) and max_fallbacks"
# Pages that are not a model's: (URL name, URL kwargs, label), listed with the models.
OPERATOR_PAGES = [
    ("fallback-graph", {"fallback_type": "general"}, "Fallback graph"),
    ("config-import", {}, "Import a LiteLLM config file"),
    ("config-export", {}, "Export the LiteLLM config"),
]
# Operators look for model groups first; the rest follow in the order they are needed.
ENTRY_ORDER = [
    "ModelGroup",
    "Configuration",
    "fallback-graph",
    "ApiKey",
    "ChangeRecord",
    "config-import",
    "config-export",
]


class FallbacksAdminSite(admin.AdminSite):
    site_header = "LLM fallback manager"
    site_title = "LLM fallback manager"
    index_title = "Model groups and their fallbacks"

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
                entry["admin_url"] = reverse("admin:fallbacks_configuration_change", args=[1], current_app=self.name)
        for url_name, kwargs, label in OPERATOR_PAGES:
            url = reverse(url_name, kwargs=kwargs)
            app["models"].append(
                {"name": label, "object_name": url_name, "admin_url": url, "add_url": None, "view_only": True}
            )
        rank = {name: index for index, name in enumerate(ENTRY_ORDER)}
        app["models"].sort(key=lambda entry: (rank.get(entry["object_name"], len(rank)), entry["name"]))


class FallbacksAdminConfig(AdminConfig):
    default_site = "fallbacks.admin_site.FallbacksAdminSite"
