"""The operators' editor (PRODUCT.md section 5), as Django's admin is built:

- sites: the admin site, its index, and its extra pages routed through `get_urls()`;
- options: the model admins (model groups, the defaults page, the history, API keys);
- forms: the chain editor and the deployment form, checked with fallbacks.validation;
- filters: the model group list's filters;
- permissions: who may see and change what, from Django's model permissions;
- views: the extra pages (config import and export, the fallback graph).

The model admins of options register when the admin app is ready (fallbacks.apps.FallbacksAdminConfig).
"""
