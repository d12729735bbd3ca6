from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class FallbacksConfig(AppConfig):
    default = True  # this module also holds the admin's config below, which INSTALLED_APPS names itself
    name = "fallbacks"
    verbose_name = "LLM fallbacks"

    def ready(self):
        from fallbacks import checks  # noqa: F401  (registers the deployment checks)


class FallbacksAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, installed with the product's site (fallbacks.admin.sites) as `admin.site`."""

    default = False
    default_site = "fallbacks.admin.sites.FallbacksAdminSite"

    def ready(self):
        super().ready()
        # The model admins register on the site here, once it exists: were fallbacks.admin's __init__ to
        # import them, building the site (which imports its package) would register them on a half-built one.
        from fallbacks.admin import gateways, options  # noqa: F401
