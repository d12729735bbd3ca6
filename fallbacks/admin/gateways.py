"""The gateway registry in the admin (PRODUCT.md 3.4): the same rules and service as the API.

The list shows each gateway's last drift state and when it was checked, with "check now" (the drift report, on
its own page) and "publish" (a confirmation page listing what will be written and deleted, then the result). A
model group's page links to "Test fallback" per gateway and type: a confirmation page first, since on a real
gateway the fallback targets are really called, then the result on the same page.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from fallbacks import queries, services, validation
from fallbacks.admin.filters import NoRegexLookups
from fallbacks.admin.permissions import actor_of
from fallbacks.domain import GATEWAY_FIELDS, MOCK_TESTING_FLAGS, MOCK_TESTING_SETTING
from fallbacks.errors import DomainError, PreconditionFailed
from fallbacks.gateways import checks
from fallbacks.models import Gateway


def _posted_version(request) -> int:
    """The config version of the plan on the confirmation page; -1 (no version) when the post carries none."""
    posted = request.POST.get("config_version", "")
    return int(posted) if posted.isdecimal() else -1


class GatewayForm(forms.ModelForm):
    class Meta:
        model = Gateway
        fields = list(GATEWAY_FIELDS)

    def clean(self):
        cleaned = super().clean()
        for field in GATEWAY_FIELDS:
            if field in cleaned and field not in self.errors:
                try:
                    cleaned.update(validation.clean_gateway_fields({field: cleaned[field]}, partial=True))
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


def published_summary(gateway: Gateway, report: dict) -> str:
    failed = "; ".join(
        f"{chain['model']} ({chain['fallback_type']}): {chain['status']} {chain['error']}" for chain in report["failed"]
    )
    summary = f"{gateway.name}: {len(report['published'])} chains published, {len(report['failed'])} failed"
    summary += f" ({failed})" if failed else ""
    summary += ", in sync" if report["in_sync"] else f", not in sync: {report['error'] or 'see drift'}"
    return summary


class GatewayAdmin(NoRegexLookups, admin.ModelAdmin):
    form = GatewayForm
    list_display = ["name", "base_url", "litellm_version", "mode", "state", "last_checked_at", "buttons"]
    list_filter = ["mode", "litellm_version"]
    search_fields = ["name", "base_url"]
    readonly_fields = ["state", "last_checked_at"]
    actions = ["check_now"]

    @admin.action(description="Check now: compare the selected gateways with this configuration")
    def check_now(self, request, queryset):
        for gateway in queryset:
            report = checks.drift_report(gateway)
            level = messages.SUCCESS if report["in_sync"] else messages.WARNING
            self.message_user(request, f"{gateway.name}: {describe(report)}", level)

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

    def get_list_display(self, request):
        """Publishing needs the permission to change gateways: without it a row offers "check now" only."""
        if self.has_change_permission(request):
            return self.list_display
        return [column if column != "buttons" else "check_button" for column in self.list_display]

    @admin.display(description="")
    def check_button(self, gateway: Gateway) -> str:
        return format_html(
            '<a class="button" href="{}">check now</a>', reverse("admin:fallbacks_gateway_check", args=[gateway.pk])
        )

    @admin.display(description="")
    def buttons(self, gateway: Gateway) -> str:
        if gateway.mode != "publish":
            return self.check_button(gateway)
        publish = reverse("admin:fallbacks_gateway_publish", args=[gateway.pk])
        return format_html('{} <a class="button" href="{}">publish</a>', self.check_button(gateway), publish)

    def get_urls(self):
        def page(view):
            return self.admin_site.admin_view(view)

        return [
            path("<int:object_id>/check/", page(self.check_view), name="fallbacks_gateway_check"),
            path("<int:object_id>/publish/", page(self.publish_view), name="fallbacks_gateway_publish"),
            path(
                "<int:object_id>/test_fallback/", page(self.test_fallback_view), name="fallbacks_gateway_test_fallback"
            ),
            *super().get_urls(),
        ]

    def _gateway(self, request, object_id: int, *, change: bool) -> Gateway:
        gateway = self.get_object(request, str(object_id))
        if gateway is None:
            raise Http404
        allowed = self.has_change_permission(request, gateway) if change else self.has_view_permission(request, gateway)
        if not allowed:
            raise PermissionDenied
        return gateway

    def _page(self, request, template: str, gateway: Gateway, title: str, **context) -> TemplateResponse:
        steps = {"drift.html": "Drift", "publish.html": "Publish", "test_fallback.html": "Test fallback"}
        context = {
            "step": steps[template],
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "gateway": gateway,
            "changelist_url": reverse("admin:fallbacks_gateway_changelist"),
            **context,
        }
        return TemplateResponse(request, f"admin/fallbacks/gateway/{template}", context)

    def check_view(self, request, object_id: int):
        """Check now: the gateway's drift report (kept as its last state), on a page of its own."""
        gateway = self._gateway(request, object_id, change=False)
        report = checks.drift_report(gateway)
        return self._page(request, "drift.html", gateway, f"Drift of {gateway.name}", report=report)

    def publish_view(self, request, object_id: int):
        """GET: what publishing would write and delete on the gateway (read from it now). POST: publish."""
        gateway = self._gateway(request, object_id, change=True)
        try:
            if request.method == "POST":
                try:  # only the plan the operator confirmed (its version, from the page)
                    report = checks.publish(gateway, expected_version=_posted_version(request))
                except PreconditionFailed as moved_on:  # nothing was published: show the plan of now
                    self.message_user(request, moved_on.message, messages.WARNING)
                else:
                    level = messages.SUCCESS if report["in_sync"] else messages.WARNING
                    self.message_user(request, published_summary(gateway, report), level)
                    return self._page(request, "publish.html", gateway, f"Published to {gateway.name}", report=report)
            checks.check_publishable(gateway)
            plan = checks.publish_plan(gateway)
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:fallbacks_gateway_changelist"))
        return self._page(request, "publish.html", gateway, f"Publish to {gateway.name}?", plan=plan)

    def test_fallback_view(self, request, object_id: int):
        """GET: what will be sent and what this service expects, asking for confirmation. POST: send it and show the
        result. `model` and `fallback_type` come from the query (the group page's links) or the form."""
        gateway = self._gateway(request, object_id, change=True)
        data = request.POST if request.method == "POST" else request.GET
        try:
            # a field left empty is absent: the type then has the request's default
            model, fallback_type = validation.parse_test_fallback_request(
                {key: value for key in ("model", "fallback_type") if (value := data.get(key))}
            )
            plan = queries.fallback_plan(model, fallback_type, [], litellm_version=gateway.litellm_version).plan
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:fallbacks_gateway_changelist"))
        result = checks.check_fallback(gateway, model, fallback_type) if request.method == "POST" else None
        group = queries.model_group_id(model)
        return self._page(
            request,
            "test_fallback.html",
            gateway,
            f"Test fallback of {model} ({fallback_type}) on {gateway.name}",
            model=model,
            fallback_type=fallback_type,
            flag=MOCK_TESTING_FLAGS[fallback_type],
            setting=MOCK_TESTING_SETTING,
            plan=plan,
            result=result,
            group_url=reverse("admin:fallbacks_modelgroup_change", args=[group]) if group is not None else None,
        )

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
