"""The gateway registry in the admin (PRODUCT.md 3.4): the same rules and service as the API.

The list shows each gateway's last drift state and when it was checked.
"""

from django import forms
from django.contrib import admin, messages

from fallbacks import services
from fallbacks.admin.filters import NoRegexLookups
from fallbacks.admin.permissions import actor_of
from fallbacks.errors import DomainError
from fallbacks.gateways import checks
from fallbacks.models import Gateway
from fallbacks.services.gateways import GATEWAY_FIELDS, clean_gateway_fields


class GatewayForm(forms.ModelForm):
    class Meta:
        model = Gateway
        fields = list(GATEWAY_FIELDS)

    def clean(self):
        cleaned = super().clean()
        for field in GATEWAY_FIELDS:
            if field in cleaned and field not in self.errors:
                try:
                    cleaned.update(clean_gateway_fields({field: cleaned[field]}, partial=True))
                except DomainError as refusal:
                    self.add_error(field, refusal.message)
        return cleaned


def describe(report: dict) -> str:
    if report["error"]:
        return f"error: {report['error']}"
    if report["in_sync"]:
        return f"in sync with version {report['config_version']}"
    chains = ", ".join(f"{chain['model']} ({chain['fallback_type']})" for chain in report["chains"])
    return (
        f"out of sync with version {report['config_version']}: {len(report['chains'])} chains differ"
        + (f" ({chains})" if chains else "")
        + (f"; missing on the gateway: {', '.join(report['models_missing'])}" if report["models_missing"] else "")
        + (f"; unknown here: {', '.join(report['models_unknown'])}" if report["models_unknown"] else "")
    )


class GatewayAdmin(NoRegexLookups, admin.ModelAdmin):
    form = GatewayForm
    list_display = ["name", "base_url", "litellm_version", "mode", "state", "last_checked_at"]
    list_filter = ["mode", "litellm_version"]
    search_fields = ["name", "base_url"]
    readonly_fields = ["state", "last_checked_at"]
    actions = ["check_now", "publish"]

    @admin.action(description="Check now: compare the selected gateways with this configuration")
    def check_now(self, request, queryset):
        for gateway in queryset:
            report = checks.drift_report(gateway)
            level = messages.SUCCESS if report["in_sync"] else messages.WARNING
            self.message_user(request, f"{gateway.name}: {describe(report)}", level)

    @admin.action(description="Publish this configuration to the selected gateways", permissions=["change"])
    def publish(self, request, queryset):
        for gateway in queryset:
            try:
                report = checks.publish(gateway)
            except DomainError as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                continue
            failed = "; ".join(
                f"{chain['model']} ({chain['fallback_type']}): {chain['status']} {chain['error']}"
                for chain in report["failed"]
            )
            summary = f"{gateway.name}: {len(report['published'])} chains published, {len(report['failed'])} failed"
            summary += f" ({failed})" if failed else ""
            summary += ", in sync" if report["in_sync"] else f", not in sync: {report['error'] or 'see drift'}"
            self.message_user(request, summary, messages.SUCCESS if report["in_sync"] else messages.WARNING)

    @admin.display(description="last state")
    def state(self, gateway: Gateway) -> str:
        state = gateway.last_state
        if not state:
            return "never checked"
        if state.get("error"):
            return f"error: {state['error']}"
        if state.get("in_sync"):
            return f"in sync with version {state['config_version']}"
        return f"out of sync with version {state['config_version']}: {state['chains_differing']} chains differ"

    def get_fields(self, request, obj=None):
        return [*GATEWAY_FIELDS, *([] if obj is None else self.readonly_fields)]

    def save_model(self, request, obj, form, change):
        fields = {field: form.cleaned_data[field] for field in GATEWAY_FIELDS}
        if change:
            saved = services.gateway_update(actor=actor_of(request), name=form.initial["name"], changes=fields)
        else:
            saved = services.gateway_create(actor=actor_of(request), **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.gateway_delete(actor=actor_of(request), name=obj.name)

    def delete_queryset(self, request, queryset):
        for gateway in queryset:
            services.gateway_delete(actor=actor_of(request), name=gateway.name)


admin.site.register(Gateway, GatewayAdmin)
