"""The operators' editor (PRODUCT.md section 5).

Every save goes through fallbacks.services, so an admin write is validated, recorded and bumps
the config version exactly as an API write does; the forms in fallbacks.admin_forms check the
same rules first, to show the API's words beside the field or row that is wrong. Model
permissions decide who may change what: a view-only operator sees everything and changes nothing.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from fallbacks import selectors, services, validation
from fallbacks.admin_forms import (
    CHAIN_TITLES,
    CHAIN_USES,
    ConfigurationForm,
    DeploymentForm,
    ModelGroupForm,
)
from fallbacks.models import ApiKey, ChangeRecord, Configuration, Deployment, FallbackEntry, ModelGroup
from fallbacks.resolution import direct_chain
from fallbacks.validation import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, FallbackType, RuleViolation

CHAIN_ARROW = " → "


def actor_of(request) -> str:
    return f"admin '{request.user.get_username()}'"


def can_view_chains(request) -> bool:
    return request.user.has_perm("fallbacks.view_fallbackentry") or can_edit_chains(request)


def can_edit_chains(request) -> bool:
    return request.user.has_perm("fallbacks.change_fallbackentry")


# Where a save that a service refused keeps the refusals that belong beside one field of the form.
FIELD_REFUSALS_ATTRIBUTE = "fallbacks_field_refusals"


class RefusalsAsMessages:
    """A refusal raised by a service while saving (a race lost to another writer, read-only mode)
    becomes an error message on the page instead of a 500; the admin's transaction rolls it all back.

    A refusal whose code `refusal_fields` maps to a field of the form (a taken name) belongs beside
    that field: the page is built again from the same post, with the refusal on that field (the
    form applies the request's FIELD_REFUSALS_ATTRIBUTE, see ChainEditingForm.refusals), so the
    operator keeps every edit. The service stays the one place that decides.
    """

    refusal_fields: dict[str, str] = {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RuleViolation as refusal:
            field_name = self.refusal_fields.get(refusal.code)
            if field_name is None or request.method != "POST" or hasattr(request, FIELD_REFUSALS_ATTRIBUTE):
                self.message_user(request, refusal.message, messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            setattr(request, FIELD_REFUSALS_ATTRIBUTE, {field_name: refusal})
        # Built again from the same post: the form now shows the refusal beside its field, so nothing is saved.
        return self.changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except RuleViolation as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[object_id],
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(change_url)


class ChainEditingAdmin(RefusalsAsMessages, admin.ModelAdmin):
    """An admin whose change page also edits the three chains of one source (a group, or `*`)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        may_save = self.has_change_permission(request, obj) if change else self.has_add_permission(request)
        form.chains_editable = may_save and can_edit_chains(request)
        form.refusals = getattr(request, FIELD_REFUSALS_ATTRIBUTE, {})
        return form

    def save_chains(self, request, form, source: str) -> None:
        for formset in form.changed_chains():
            targets = formset.target_names()
            if targets:
                services.chain_set(
                    actor=actor_of(request), source=source, fallback_type=formset.fallback_type, targets=targets
                )
            else:
                services.chain_delete(actor=actor_of(request), source=source, fallback_type=formset.fallback_type)

    def chain_sections(self, request, form, own: dict[str, list[str]], defaults: dict[str, list[str]]) -> list[dict]:
        """What the template shows of each chain: an editor, or the chain read-only."""
        if not can_view_chains(request):
            return []
        formsets = getattr(form, "chain_formsets", {})
        return [
            {
                "fallback_type": fallback_type.value,
                "title": CHAIN_TITLES[fallback_type],
                "uses": CHAIN_USES[fallback_type],
                "formset": formsets.get(fallback_type.value),
                "targets": own.get(fallback_type.value, []),
                "default_targets": defaults.get(fallback_type.value, []),
            }
            for fallback_type in FallbackType
        ]

    def construct_change_message(self, request, form, formsets, add=False):
        # The chains and deployments are written by services, not by formset.save(): name them here.
        message = super().construct_change_message(request, form, [], add)
        changed = [CHAIN_TITLES[FallbackType(formset.fallback_type)] for formset in form.changed_chains()]
        changed += [str(formset.model._meta.verbose_name_plural) for formset in formsets if formset.has_changed()]
        if changed:
            message.append({"changed": {"fields": changed}})
        return message


def default_chains() -> dict[str, list[str]]:
    return {fallback_type: targets for (_, fallback_type), targets in selectors.chain_map(model="*").items()}


class FallbacksFilter(admin.SimpleListFilter):
    title = "fallbacks of its own"
    parameter_name = "fallbacks"

    def lookups(self, request, model_admin):
        by_type = [(fallback_type.value, CHAIN_TITLES[fallback_type]) for fallback_type in FallbackType]
        return [("any", "Has fallbacks"), ("none", "Has no fallbacks"), *by_type]

    def queryset(self, request, queryset):
        own_entries = FallbackEntry.objects.filter(source=OuterRef("pk"))
        if self.value() == "any":
            return queryset.filter(Exists(own_entries))
        if self.value() == "none":
            return queryset.filter(~Exists(own_entries))
        if self.value() in FALLBACK_TYPES:
            return queryset.filter(Exists(own_entries.filter(fallback_type=self.value())))
        return queryset


class ProviderFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "provider"


class ModelGroupChangeList(ChangeList):
    """The list reads each page's chains in one query, and the `*` chains in one more, whatever its length."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).prefetch_related(selectors.own_chains_prefetch())

    def get_results(self, request):
        super().get_results(request)
        defaults = selectors.chain_map(model=DEFAULT_CHAIN_SOURCE)
        for group in self.result_list:
            own = {(group.name, kind): targets for kind, targets in selectors.own_chains(group).items() if targets}
            chains = {**defaults, **own}
            group.direct_chains = {kind: direct_chain(chains, group.name, kind) for kind in FALLBACK_TYPES}


class DeploymentInline(admin.StackedInline):
    model = Deployment
    form = DeploymentForm
    extra = 0
    ordering = ["position", "id"]
    verbose_name = "deployment (LiteLLM model_list entry)"
    verbose_name_plural = "deployments (LiteLLM model_list entries)"


@admin.register(ModelGroup)
class ModelGroupAdmin(ChainEditingAdmin):
    form = ModelGroupForm
    refusal_fields = {"name_taken": "name"}  # services.group_create and group_update decide whether a name is free
    list_display = ["name", "provider", "general_fallbacks", "context_window_fallbacks", "content_policy_fallbacks"]
    list_filter = [("owned_by", ProviderFilter), FallbacksFilter]
    search_fields = ["name"]
    ordering = ["name"]
    list_per_page = 100
    fieldsets = [(None, {"fields": ["name", "owned_by", "max_input_tokens", "description", "created"]})]
    readonly_fields = ["created"]
    inlines = [DeploymentInline]

    class Media:
        css = {"all": ["fallbacks/admin.css"]}

    def get_changelist(self, request, **kwargs):
        return ModelGroupChangeList

    def get_actions(self, request):
        # Django's bulk delete would meet the chains' protection row by row: groups are deleted one
        # at a time, from their page, where a refusal names the chains that use the group.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="provider", ordering="owned_by")
    def provider(self, group: ModelGroup) -> str:
        return group.owned_by

    def _chain_cell(self, group: ModelGroup, fallback_type: str):
        chain = group.direct_chains[fallback_type]
        if not chain.targets:
            return self.get_empty_value_display()
        text = CHAIN_ARROW.join(chain.targets)
        if chain.inherited_from:
            return format_html('<span class="chain-inherited" title="the default * chain">* {}</span>', text)
        return text

    @admin.display(description="General fallbacks")
    def general_fallbacks(self, group: ModelGroup):
        return self._chain_cell(group, FallbackType.GENERAL)

    @admin.display(description="Context window fallbacks")
    def context_window_fallbacks(self, group: ModelGroup):
        return self._chain_cell(group, FallbackType.CONTEXT_WINDOW)

    @admin.display(description="Content policy fallbacks")
    def content_policy_fallbacks(self, group: ModelGroup):
        return self._chain_cell(group, FallbackType.CONTENT_POLICY)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "default_chains_url": reverse("admin:fallbacks_configuration_change", args=[Configuration.SINGLETON_ID]),
        }
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        defaults = default_chains()
        own = {}
        if obj is not None and obj.pk:
            own = {
                kind: [group.name for group in targets] for kind, targets in selectors.chain_target_groups(obj).items()
            }
            saved_name = form.initial.get("name", obj.name)  # obj holds the submitted name when a save was refused
            context["reported_metadata"] = self.reported_metadata(saved_name, own, defaults)
        context["chain_sections"] = self.chain_sections(request, form, own, defaults)
        context["default_chains_url"] = reverse(
            "admin:fallbacks_configuration_change", args=[Configuration.SINGLETON_ID]
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def reported_metadata(name: str, own: dict[str, list[str]], defaults: dict[str, list[str]]) -> list[dict]:
        """What `GET /v1/models?include_metadata=true&fallback_type=...` reports for this group."""
        chains = {(name, kind): targets for kind, targets in own.items() if targets}
        chains.update({(DEFAULT_CHAIN_SOURCE, kind): targets for kind, targets in defaults.items()})
        reported = []
        for kind in FALLBACK_TYPES:
            chain = direct_chain(chains, name, kind)
            reported.append(
                {
                    "fallback_type": kind,
                    "metadata": json.dumps({"fallbacks": chain.targets}),
                    "inherited_from": chain.inherited_from,
                }
            )
        return reported

    def save_model(self, request, obj, form, change):
        if not change:
            group = services.group_create(
                actor=actor_of(request),
                name=obj.name,
                owned_by=obj.owned_by,
                description=obj.description,
                max_input_tokens=obj.max_input_tokens,
            ).group
            obj.pk, obj.created, obj._state.adding, obj._state.db = group.pk, group.created, False, group._state.db
        elif form.changed_data:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            services.group_update(actor=actor_of(request), group=obj, changes=changes)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.save_chains(request, form, source=form.instance.name)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Deployment:
            super().save_formset(request, form, formset, change)
            return
        if not formset.has_changed():
            return
        kept = []
        for index, row in enumerate(formset.forms):
            if index >= formset.initial_form_count() and not row.has_changed():
                continue
            if formset.can_delete and row.cleaned_data.get("DELETE"):
                continue
            data = row.cleaned_data
            kept.append((data.get("position") or 0, index, data["litellm_params"], data["model_info"]))
        kept.sort(key=lambda row: row[:2])
        services.deployments_set(
            actor=actor_of(request),
            group=form.instance,
            deployments=[{"litellm_params": params, "model_info": info} for _, _, params, info in kept],
        )

    def delete_view(self, request, object_id, extra_context=None):
        # Confirming the deletion (a POST) goes to services.group_delete, which refuses a group that a
        # chain names (RefusalsAsMessages shows why). Before that, the "are you sure?" page is not
        # offered for such a group: it asks the service's own question (same validation, same
        # selector) and says the service's words, where Django would list the chains as protected objects.
        group = self.get_object(request, unquote(object_id))
        if request.method != "POST" and group is not None and self.has_delete_permission(request, group):
            try:
                validation.check_group_deletable(group.name, selectors.chains_naming(group))
            except RuleViolation as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                return HttpResponseRedirect(reverse("admin:fallbacks_modelgroup_change", args=[group.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        # The chains that protect a group are services.group_delete's to refuse, in the API's words:
        # Django's own "protected objects" page would stop a confirmed deletion before the service.
        deleted_objects, model_count, perms_needed, _protected = super().get_deleted_objects(objs, request)
        return deleted_objects, model_count, perms_needed, []

    def delete_model(self, request, obj):
        services.group_delete(actor=actor_of(request), group=obj)


@admin.register(Configuration)
class ConfigurationAdmin(ChainEditingAdmin):
    """The one configuration row: max_fallbacks and the default `*` chains, edited on one page."""

    form = ConfigurationForm
    fields = ["max_fallbacks", "version", "updated_at"]
    readonly_fields = ["version", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        if str(object_id) != str(Configuration.SINGLETON_ID):
            return None
        return selectors.configuration()  # unsaved before the first write: the services create the row

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:fallbacks_configuration_change", args=[Configuration.SINGLETON_ID]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        defaults = default_chains()
        context["chain_sections"] = self.chain_sections(request, context["adminform"].form, defaults, {})
        context["title"] = "Default fallbacks (*) and max_fallbacks"
        context["subtitle"] = None
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if "max_fallbacks" in form.changed_data:
            services.max_fallbacks_set(actor=actor_of(request), max_fallbacks=form.cleaned_data["max_fallbacks"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.save_chains(request, form, source=DEFAULT_CHAIN_SOURCE)
        form.instance.refresh_from_db()  # the services wrote their own copy of the row

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:fallbacks_configuration_change", args=[obj.pk]))


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    list_display = ["version", "action", "subject", "actor", "created_at"]
    list_filter = ["action"]
    search_fields = ["subject", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(RefusalsAsMessages, admin.ModelAdmin):
    """Keys are issued here: the secret is shown once, on the page that follows, and only its hash is kept."""

    list_display = ["name", "prefix", "role", "is_active", "created_at"]
    list_filter = ["can_write", "is_active"]
    search_fields = ["name", "prefix"]

    @admin.display(description="role")
    def role(self, key: ApiKey) -> str:
        return "read-write" if key.can_write else "read-only"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "can_write"]
        return ["name", "prefix", "role", "is_active", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["name", "prefix", "role", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # a key is revoked (not active), so its record stays

    def save_model(self, request, obj, form, change):
        if change:
            if "is_active" in form.changed_data:
                services.api_key_set_active(actor=actor_of(request), key=obj, is_active=obj.is_active)
            return
        key, secret = services.api_key_create(actor=actor_of(request), name=obj.name, can_write=obj.can_write)
        obj.pk = key.pk
        obj.refresh_from_db()
        obj.issued_secret = secret  # for response_add only: never stored

    def response_add(self, request, obj, post_url_continue=None):
        # The secret goes straight into this response, not into a message that would travel in a cookie.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"API key {obj.name} issued",
            "key": obj,
            "role": self.role(obj),
            "secret": obj.issued_secret,
        }
        return TemplateResponse(request, "admin/fallbacks/apikey/issued.html", context)
