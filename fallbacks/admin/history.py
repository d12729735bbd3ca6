"""The admin's history: every version with its changes as a readable diff, and "roll back to this version".

The list is ChangeRecordAdmin's (global, or one model group's with `?model=`); a version's page shows
each change side by side (a chain's old and new targets by position, changed positions marked; a
group's fields and deployments; a setting's values). Rolling back first shows exactly what it would
change (a dry run of services.config_rollback), then does it as one new version.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from fallbacks import queries, services
from fallbacks.admin.filters import NoRegexLookups
from fallbacks.admin.permissions import REPLACE_PERMISSIONS, actor_of
from fallbacks.domain import FALLBACK_TYPES
from fallbacks.errors import DomainError
from fallbacks.history import CHAIN, MODEL_GROUP, Change, Key
from fallbacks.models import ChangeRecord, ConfigChange

GROUP_FIELDS_SHOWN = ("owned_by", "description", "max_input_tokens", "created")
ROLLED_BACK = "Rolled back {what} to version {version}: version {new} ({count} changes)."
NOTHING_TO_ROLL_BACK = "{what} is already as it was right after version {version}: nothing to roll back."


def can_roll_back(user) -> bool:
    """A rollback may create, change and delete model groups and chains: the permissions a replacing import needs."""
    return user.has_perms(REPLACE_PERMISSIONS)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def change_view_data(change: Change) -> dict:
    """What the template shows of one change."""
    key = change.key
    data = {
        "title": key.describe(),
        "kind": key.kind,
        "created": change.before is None,
        "deleted": change.after is None,
    }
    if key.kind == CHAIN:
        before, after = change.before or [], change.after or []
        data["positions"] = [
            {
                "position": index + 1,
                "before": before[index] if index < len(before) else "",
                "after": after[index] if index < len(after) else "",
                "changed": (before[index : index + 1] != after[index : index + 1]),
            }
            for index in range(max(len(before), len(after)))
        ]
    elif key.kind == MODEL_GROUP:
        before, after = change.before or {}, change.after or {}
        data["fields"] = [
            {
                "name": name,
                "before": "" if change.before is None else _json(before.get(name)),
                "after": "" if change.after is None else _json(after.get(name)),
                "changed": before.get(name) != after.get(name),
            }
            for name in (*GROUP_FIELDS_SHOWN, "deployments")
        ]
    else:
        data["fields"] = [
            {"name": key.name, "before": _json(change.before), "after": _json(change.after), "changed": True}
        ]
    return data


class ModelFilter(admin.SimpleListFilter):
    """`?model=NAME`: the versions that touched that model group or its chains (the group page's history tab)."""

    title = "model group"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name)
        return [(value, value)] if value else []

    def queryset(self, request, queryset):
        if self.value():
            changes = ConfigChange.objects.filter(name=self.value(), kind__in=[CHAIN, MODEL_GROUP])
            return queryset.filter(pk__in=changes.values("record_id"))
        return queryset


class ChainTypeFilter(admin.SimpleListFilter):
    """`?fallback_type=TYPE` (with `?model=NAME`: one chain, a group page's link): versions that changed a chain of
    that type (of that model group, or `*`)."""

    title = "chain type"
    parameter_name = "fallback_type"

    def __init__(self, request, params, model, model_admin):
        self.model_name = request.GET.get(ModelFilter.parameter_name)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return FALLBACK_TYPES.choices()

    def queryset(self, request, queryset):
        if self.value():
            changes = ConfigChange.objects.filter(kind=CHAIN, fallback_type=self.value())
            if self.model_name:
                changes = changes.filter(name=self.model_name)
            return queryset.filter(pk__in=changes.values("record_id"))
        return queryset


class VersionAdmin(NoRegexLookups, admin.ModelAdmin):
    """Configuration versions: read-only, each with its changes, and a way back to it."""

    list_display = ["version_link", "created_at", "actor", "via", "summary", "change_count"]
    list_filter = [ModelFilter, ChainTypeFilter, "via"]
    search_fields = ["actor", "summary"]
    list_per_page = 50
    ordering = ["-version"]

    @admin.display(description="version", ordering="version")
    def version_link(self, record: ChangeRecord):
        url = reverse("admin:fallbacks_changerecord_change", args=[record.pk], current_app=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, record.version)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        rollback = self.admin_site.admin_view(self.rollback_view)
        return [
            path("<int:version>/rollback/", rollback, name="fallbacks_changerecord_rollback"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, object_id)
        if record is None or not self.has_view_permission(request, record):
            raise Http404 if record is None else PermissionDenied
        changes = queries.record_changes(queries.version_record(record.version))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Version {record.version}",
            "record": record,
            "changes": [change_view_data(change) for change in changes],
            "chain_changes": [change.key for change in changes if change.key.kind == CHAIN],
            "can_roll_back": can_roll_back(request.user),
            "rollback_url": reverse("admin:fallbacks_changerecord_rollback", args=[record.version]),
        }
        return TemplateResponse(request, "admin/fallbacks/changerecord/version.html", context)

    def rollback_view(self, request, version: int):
        """GET: what rolling back to `version` (`?model=&fallback_type=`: one chain) would change. POST: do it."""
        if not can_roll_back(request.user):
            raise PermissionDenied
        model = request.GET.get("model") or request.POST.get("model") or None
        fallback_type = request.GET.get("fallback_type") or request.POST.get("fallback_type") or None
        what = Key.chain(model, fallback_type).describe() if model else "the configuration"
        options = {"to_version": version, "model": model, "fallback_type": fallback_type}
        list_url = reverse("admin:fallbacks_changerecord_changelist")
        try:
            if request.method == "POST":
                result = services.config_rollback(actor=actor_of(request), **options)
            else:
                result = services.config_rollback(actor=actor_of(request), dry_run=True, **options)
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(list_url)
        if request.method == "POST":
            if result.changes:
                text = ROLLED_BACK.format(what=what, version=version, new=result.version, count=len(result.changes))
                self.message_user(request, text, messages.SUCCESS)
            else:
                self.message_user(request, NOTHING_TO_ROLL_BACK.format(what=what, version=version), messages.INFO)
            return HttpResponseRedirect(list_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Roll back {what} to version {version}?",
            "version": version,
            "model": model or "",
            "fallback_type": fallback_type or "",
            "changes": [change_view_data(change) for change in result.changes],
            "nothing": NOTHING_TO_ROLL_BACK.format(what=what, version=version) if not result.changes else "",
        }
        return TemplateResponse(request, "admin/fallbacks/changerecord/rollback.html", context)
