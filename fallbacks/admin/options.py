"""The model admins of the operators' editor (PRODUCT.md section 5).

One operator save is one service call (services.group_save, services.defaults_save), so it is
validated, recorded and bumps the config version once, exactly as an API write does; the forms in
fallbacks.admin.forms check the same rules first, to show the API's words beside the field or row
that is wrong. What a page shows besides its form is read through fallbacks.queries before it
renders. Model permissions decide who may change what: a view-only operator sees everything and
changes nothing.
"""

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from fallbacks import queries, selectors, services
from fallbacks.admin.filters import FallbacksFilter, NoRegexLookups, ProviderFilter
from fallbacks.admin.forms import ConfigurationForm, DeploymentForm, ModelGroupForm, deployment_rows
from fallbacks.admin.history import VersionAdmin, can_roll_back
from fallbacks.admin.permissions import actor_of, can_edit_chains, can_grant_writes, can_view_chains
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, DEFAULT_FALLBACK_TYPE, FALLBACK_TYPES, GROUP_FIELDS, SEVERITIES
from fallbacks.errors import DomainError, ErrorCode, PreconditionFailed
from fallbacks.history import defaults_scope, group_scope
from fallbacks.models import ApiKey, ChangeRecord, Configuration, Deployment, ModelGroup, Via

LINT_HOVER_CHARACTERS = 400  # of each finding in the group list's lint mark (ModelGroupAdmin.lint_cell)

CHAIN_ARROW = " → "
# The chain editor's search (fallbacks/static/fallbacks/chain_editor.js) names the ids it leaves out in this parameter.
AUTOCOMPLETE_EXCLUDE = "exclude"
MAX_EXCLUDED = 200  # a chain has at most 100 targets, plus the group itself
NAME_BREAKS = re.compile(r"(?<=[/.:])")  # where a long model group name may wrap in the list


# Where a save that a service refused keeps the refusals that belong beside one field of the form.
FIELD_REFUSALS_ATTRIBUTE = "fallbacks_field_refusals"


STALE_SAVE = (
    "Nothing was saved: {refusal}, by {actor} ({via}) at {when}: {summary}. The page now shows the current "
    "values; make your change again if it is still needed."
)


def stale_save_message(refusal: PreconditionFailed) -> str:
    version = refusal.extra.get("current_version")
    record = queries.change_record(version) if version else None
    if record is None:
        return f"Nothing was saved: {refusal.message}. The page now shows the current values."
    return STALE_SAVE.format(
        refusal=refusal.message,
        actor=record.actor,
        via=record.via,
        when=record.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        summary=record.summary,
    )


class RefusalsAsMessages:
    """A refusal raised by a service while saving (a race lost to another writer, read-only mode)
    becomes an error message on the page instead of a 500; the admin's transaction rolls it all back.

    A refusal whose code `refusal_fields` maps to a field of the form (a taken name) belongs beside
    that field: the page is built again from the same post, with the refusal on that field (the
    form applies the request's FIELD_REFUSALS_ATTRIBUTE, see ChainEditingForm.refusals), so the
    operator keeps every edit. The service stays the one place that decides.
    """

    refusal_fields: dict[ErrorCode, str] = {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PreconditionFailed as refusal:
            # Someone saved this page's subject since it was opened: say who, what and when, and show it as it is now.
            self.message_user(request, stale_save_message(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        except DomainError as refusal:
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
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[object_id],
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(change_url)


class ChainEditingAdmin(NoRegexLookups, RefusalsAsMessages, admin.ModelAdmin):
    """An admin whose change page also edits the chains of one source (one per fallback type) (a group, or `*`)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        may_save = self.has_change_permission(request, obj) if change else self.has_add_permission(request)
        form.chains_editable = may_save and can_edit_chains(request)
        if request.method == "GET":
            form.opened_at_version = self.opened_at_version(obj)
        form.refusals = getattr(request, FIELD_REFUSALS_ATTRIBUTE, {})
        return form

    def opened_at_version(self, obj) -> int | None:
        """The version that last changed what this page edits (None: nothing to guard, as on an add page)."""
        raise NotImplementedError

    @staticmethod
    def changed_chains(form) -> dict[str, list[str]]:
        """The chains the operator changed on this page: type -> new targets (empty: delete the chain)."""
        return {formset.fallback_type: formset.target_names() for formset in form.changed_chains()}

    def chain_sections(
        self, request, form, own: dict[str, list[str]], defaults: dict[str, list[str]], source: str | None = None
    ) -> list[dict]:
        """What the template shows of each chain: an editor, or the chain read-only; for a saved source, links to
        the chain's history and to undoing its last change (the history's own rollback page, which shows the
        change first)."""
        if not can_view_chains(request):
            return []
        formsets = getattr(form, "chain_formsets", {})
        versions = queries.chain_versions(source) if source else {}
        may_roll_back = source is not None and can_roll_back(request.user)
        history_url = reverse("admin:fallbacks_changerecord_changelist", current_app=self.admin_site.name)
        sections = []
        for kind in FALLBACK_TYPES:
            section = {
                "fallback_type": kind.value,
                "title": kind.title,
                "uses": kind.uses,
                "formset": formsets.get(kind.value),
                "targets": own.get(kind.value, []),
                "default_targets": defaults.get(kind.value, []),
            }
            last = versions.get(kind.value)
            if source is not None and last:
                chain = {"model": source, "fallback_type": kind.value}
                section["history_url"] = f"{history_url}?{urlencode(chain)}"
                section["last_version"] = last
                if may_roll_back:
                    rollback = reverse(
                        "admin:fallbacks_changerecord_rollback", args=[last - 1], current_app=self.admin_site.name
                    )
                    section["rollback_url"] = f"{rollback}?{urlencode(chain)}"
            sections.append(section)
        return sections

    def construct_change_message(self, request, form, formsets, add=False):
        # The chains and deployments are written by services, not by formset.save(): name them here.
        message = super().construct_change_message(request, form, [], add)
        changed = [FALLBACK_TYPES[formset.fallback_type].title for formset in form.changed_chains()]
        changed += [str(formset.model._meta.verbose_name_plural) for formset in formsets if formset.has_changed()]
        if changed:
            message.append({"changed": {"fields": changed}})
        return message


class ModelGroupChangeList(ChangeList):
    """The list reads each page's direct chains (own, else `*`) and lint findings in a fixed number of queries,
    whatever its length."""

    def get_results(self, request):
        super().get_results(request)
        names = [group.name for group in self.result_list]
        chains = queries.direct_chains(names)
        findings = queries.lint_of_groups(names)
        for group in self.result_list:
            group.direct_chains = chains[group.name]
            group.lint_findings = findings[group.name]


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
    refusal_fields = {ErrorCode.NAME_TAKEN: "name"}  # services.group_save decides whether a name is free
    list_display = ["name_cell", "provider", "lint_cell"]  # then one column per fallback type (get_list_display)
    list_display_links = ["name_cell"]
    list_filter = [("owned_by", ProviderFilter), FallbacksFilter]
    search_fields = ["name"]
    ordering = ["name"]
    list_per_page = 100
    fieldsets = [("Model group", {"fields": ["name", "owned_by", "max_input_tokens", "description", "created_on"]})]
    readonly_fields = ["created_on"]
    inlines = [DeploymentInline]

    class Media:
        css = {"all": ["fallbacks/admin.css"]}

    def get_changelist(self, request, **kwargs):
        return ModelGroupChangeList

    def get_search_results(self, request, queryset, search_term):
        # A chain editor's search (Django's autocomplete view) names what it leaves out: the group being edited and
        # the targets already in the chain (`?exclude=<id>`, repeated). Anything that is not an id is ignored.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete", current_app=self.admin_site.name):
            excluded = [
                value for value in request.GET.getlist(AUTOCOMPLETE_EXCLUDE) if value.isascii() and value.isdigit()
            ]
            if excluded:
                queryset = queryset.exclude(pk__in=[int(value) for value in excluded[:MAX_EXCLUDED] if len(value) < 19])
        return queryset, may_have_duplicates

    def get_actions(self, request):
        # Django's bulk delete would meet the chains' protection row by row: groups are deleted one
        # at a time, from their page, where a refusal names the chains that use the group.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="name", ordering="name")
    def name_cell(self, group: ModelGroup) -> str:
        # A long name wraps after its own separators (`/`, `.`, `:`) rather than widening the table (admin.css).
        parts = format_html_join(mark_safe("<wbr>"), "{}", ((part,) for part in NAME_BREAKS.split(group.name)))
        return format_html('<span class="group-name" title="{}">{}</span>', group.name, parts)

    @admin.display(description="created")
    def created_on(self, group: ModelGroup) -> str:
        """A date a person reads, with the Unix seconds that the API's `created` gives."""
        if not group.created:
            return self.get_empty_value_display()
        when = datetime.fromtimestamp(group.created, tz=UTC)
        return f"{when:%Y-%m-%d %H:%M} UTC (created {group.created} in the API, Unix seconds)"

    @admin.display(description="provider", ordering="owned_by")
    def provider(self, group: ModelGroup) -> str:
        return group.owned_by

    @admin.display(description="lint")
    def lint_cell(self, group: ModelGroup):
        """The group's lint findings as one mark: how many, coloured by the worst, each message on hover, cut short
        (LINT_HOVER_CHARACTERS: a cycle's message names its whole path, thousands of groups on a ring, on every row
        of it); the group's page, which the mark links to, shows them whole."""
        findings = group.lint_findings
        if not findings:
            return ""
        worst = min(findings, key=lambda finding: SEVERITIES.index(finding.severity)).severity
        if len(findings) == 1:
            label = worst
        elif all(finding.severity == worst for finding in findings):
            label = f"{worst}s"
        else:
            label = "findings"
        return format_html(
            '<a class="lint-mark severity-{}" href="{}#lint" title="{}">{} {}</a>',
            worst,
            reverse("admin:fallbacks_modelgroup_change", args=[group.pk]),
            "\n".join(
                Truncator(f"{finding.severity}: {finding.message}").chars(LINT_HOVER_CHARACTERS) for finding in findings
            ),
            len(findings),
            label,
        )

    def _chain_cell(self, group: ModelGroup, fallback_type: str):
        """One direct chain, compact: each target a chip cut short with its full name on hover, in order.

        The cell's title is the whole chain in words; an inherited chain says where it comes from (issue 9).
        """
        chain = group.direct_chains[fallback_type]
        if not chain.targets:
            return self.get_empty_value_display()
        text = CHAIN_ARROW.join(chain.targets)
        if chain.inherited_from == DEFAULT_CHAIN_SOURCE:
            origin, title = "*", f"the default * chain: * {text}"
        elif chain.inherited_from:
            origin = f"{chain.inherited_from}:"
            title = f"the chain of {chain.inherited_from}, another spelling of this name: {origin} {text}"
        else:
            origin, title = "", text
        # Each target is a chip; the first carries where an inherited chain comes from, each next one its arrow,
        # so that no line of the cell holds a lone mark.
        leads = [format_html('<span class="chain-origin">{}</span> ', origin) if origin else ""]
        leads += [format_html('<span class="chain-arrow">{}</span>', CHAIN_ARROW.lstrip())] * (len(chain.targets) - 1)
        chips = format_html_join(
            " ",
            '<span class="chain-target" title="{}">{}{}</span>',
            ((target, lead, target) for lead, target in zip(leads, chain.targets, strict=True)),
        )
        inherited = " chain-inherited" if chain.inherited_from else ""
        return format_html('<span class="chain-cell{}" title="{}">{}</span>', inherited, title, chips)

    def get_list_display(self, request):
        return [*super().get_list_display(request), *(self.chain_column(kind) for kind in FALLBACK_TYPES)]

    def chain_column(self, kind):
        """The list's column of one fallback type's direct chains."""

        @admin.display(description=kind.title)
        def column(group: ModelGroup):
            return self._chain_cell(group, kind.value)

        column.__name__ = f"{kind.value}_fallbacks"
        return column

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "default_chains_url": reverse("admin:fallbacks_configuration_change", args=[Configuration.SINGLETON_ID]),
        }
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is None or not obj.pk:
            own, defaults, source = {}, queries.default_chains(), None
        else:
            saved_name = form.initial.get("name", obj.name)  # obj holds the submitted name when a save was refused
            page = queries.group_page(saved_name)
            own, defaults, source = page.own, page.defaults, page.name
            context["group_page"] = page
            if request.user.has_perm("fallbacks.view_gateway"):  # admin/fallbacks/modelgroup/_gateways.html
                context["group_gateways"] = queries.group_gateways(saved_name)
            context["reported_metadata"] = [
                {
                    "fallback_type": kind,
                    "metadata": json.dumps({"fallbacks": chain.targets}),
                    "inherited_from": chain.inherited_from,
                }
                for kind, chain in page.reported.items()
            ]
        context["chain_sections"] = self.chain_sections(request, form, own, defaults, source=source)
        context["chain_source_id"] = obj.pk if obj is not None else None  # what the chain editors' searches leave out
        context["default_chains_url"] = reverse(
            "admin:fallbacks_configuration_change", args=[Configuration.SINGLETON_ID]
        )
        context["default_fallback_type"] = DEFAULT_FALLBACK_TYPE
        return super().render_change_form(request, context, add, change, form_url, obj)

    def opened_at_version(self, obj) -> int | None:
        return queries.last_changed(group_scope(obj.name)) if obj is not None and obj.pk else None

    def history_view(self, request, object_id, extra_context=None):
        # The group's history is its configuration versions (what changed, before and after), not Django's log.
        group = self.get_object(request, unquote(object_id))
        if group is None:
            raise Http404
        url = reverse("admin:fallbacks_changerecord_changelist", current_app=self.admin_site.name)
        return HttpResponseRedirect(f"{url}?{urlencode({'model': group.name})}")

    def save_model(self, request, obj, form, change):
        pass  # the group, its deployments and its chains are saved together, by one service call (save_related)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in GROUP_FIELDS}
        else:
            fields = {name: getattr(obj, name) for name in ("name", "owned_by", "description", "max_input_tokens")}
        deployments = next((formset for formset in formsets if formset.model is Deployment), None)
        group = services.group_save(
            actor=actor_of(request),
            group=obj if change else None,
            fields=fields,
            deployments=deployment_rows(deployments) if deployments is not None and deployments.has_changed() else None,
            chains=self.changed_chains(form),
            via=Via.ADMIN,
            unchanged_since=form.cleaned_data.get("opened_at") if change else None,
        ).group
        obj.pk, obj.created, obj._state.adding, obj._state.db = group.pk, group.created, False, group._state.db

    def delete_view(self, request, object_id, extra_context=None):
        # Confirming the deletion (a POST) goes to services.group_delete, which refuses a group that a
        # chain names (RefusalsAsMessages shows why). Before that, the "are you sure?" page is not
        # offered for such a group: it asks the service's own question (same validation, same
        # selector) and says the service's words, where Django would list the chains as protected objects.
        group = self.get_object(request, unquote(object_id))
        if request.method != "POST" and group is not None and self.has_delete_permission(request, group):
            try:
                queries.check_group_deletable(group)
            except DomainError as refusal:
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
    """The one configuration row: the settings and the default `*` chains, edited on one page."""

    form = ConfigurationForm
    fields = ["max_fallbacks", "litellm_version", "version", "updated_at"]
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
        defaults = queries.default_chains()
        context["chain_sections"] = self.chain_sections(
            request, context["adminform"].form, defaults, {}, source=DEFAULT_CHAIN_SOURCE
        )
        if can_view_chains(request):
            # Before an operator switches litellm_version: which plans the switch changes, with both plans.
            context["series_changes"] = [
                {**change.__dict__, "findings": [finding.as_dict() for finding in change.findings]}
                for change in queries.series_changes()
            ]
        context["title"] = "Default fallbacks (*) and settings"
        context["subtitle"] = None
        return super().render_change_form(request, context, add, change, form_url, obj)

    def opened_at_version(self, obj) -> int | None:
        return queries.last_changed(defaults_scope())

    def save_model(self, request, obj, form, change):
        pass  # the settings and the `*` chains are saved together, by one service call (save_related)

    def save_related(self, request, form, formsets, change):
        changed = {
            name: form.cleaned_data[name] for name in ("max_fallbacks", "litellm_version") if name in form.changed_data
        }
        services.defaults_save(
            actor=actor_of(request),
            **changed,
            chains=self.changed_chains(form),
            via=Via.ADMIN,
            unchanged_since=form.cleaned_data.get("opened_at"),
        )
        form.instance.refresh_from_db()  # the service wrote its own copy of the row

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:fallbacks_configuration_change", args=[obj.pk]))


admin.site.register(ChangeRecord, VersionAdmin)


@admin.register(ApiKey)
class ApiKeyAdmin(NoRegexLookups, RefusalsAsMessages, admin.ModelAdmin):
    """Keys are issued here: the secret is shown once, on the page that follows, and only its hash is kept.

    A read-write key can change every chain, group and setting: issuing one, or restoring a revoked one,
    needs the permissions it grants (fallbacks.admin.permissions.can_grant_writes). Without them the
    role is shown, not offered, and a key is issued read-only whatever a hand-made post says.
    """

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
        if obj is None:
            # A read-only field is never read from a post: without the permissions, every key issued is read-only.
            return [] if can_grant_writes(request.user) else ["can_write"]
        readonly = ["name", "prefix", "role", "created_at"]
        if obj.can_write and not obj.is_active and not can_grant_writes(request.user):
            readonly.append("is_active")  # restoring it would grant what the operator does not hold
        return readonly

    def has_delete_permission(self, request, obj=None):
        return False  # a key is revoked (not active), so its record stays

    def save_model(self, request, obj, form, change):
        granting = obj.can_write and obj.is_active and (not change or "is_active" in form.changed_data)
        if granting and not can_grant_writes(request.user):
            raise PermissionDenied  # unreachable through the page's own form (see get_readonly_fields)
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


# django-axes's own pages (failed logins and lock-outs), registered here rather than by axes (AXES_ENABLE_ADMIN is
# off) so that their lists refuse regex lookups too.
for model, model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    admin.site.register(model, type(model_admin.__name__, (NoRegexLookups, model_admin), {}))

# Django's own user and group admins, likewise.
for model in (User, Group):
    model_admin = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (NoRegexLookups, model_admin), {}))
