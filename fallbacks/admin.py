"""The operators' editor. This first version registers the data; the chain editor builds on it."""

from django.contrib import admin, messages

from fallbacks import services
from fallbacks.models import ApiKey, ChangeRecord, Configuration, Deployment, FallbackEntry, ModelGroup

admin.site.site_header = "LLM fallback manager"
admin.site.site_title = "LLM fallback manager"
admin.site.index_title = "Model groups and their fallbacks"


class DeploymentInline(admin.StackedInline):
    model = Deployment
    extra = 0


@admin.register(ModelGroup)
class ModelGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "owned_by", "max_input_tokens"]
    search_fields = ["name"]
    list_filter = ["owned_by"]
    readonly_fields = ["created"]
    inlines = [DeploymentInline]


@admin.register(FallbackEntry)
class FallbackEntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "fallback_type", "position"]
    list_filter = ["fallback_type"]
    list_select_related = ["source", "target"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Configuration)
class ConfigurationAdmin(admin.ModelAdmin):
    list_display = ["version", "max_fallbacks", "updated_at"]
    readonly_fields = ["version", "updated_at"]


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
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued here: the secret is shown once, in a message, and only its hash is kept."""

    list_display = ["name", "prefix", "can_write", "is_active", "created_at"]
    fields = ["name", "can_write", "is_active", "prefix", "created_at"]
    readonly_fields = ["prefix", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, secret = services.api_key_create(
            actor=f"admin '{request.user.get_username()}'", name=obj.name, can_write=obj.can_write
        )
        obj.pk = key.pk
        obj.refresh_from_db()
        messages.warning(request, f"The key's secret, shown only this once: {secret}")
