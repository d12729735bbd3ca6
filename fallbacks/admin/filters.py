"""The model group list's filters: by provider, and by the chains a group has of its own."""

from django.contrib import admin
from django.db.models import Exists, OuterRef

from fallbacks.domain import FALLBACK_TYPES
from fallbacks.models import FallbackEntry


class FallbacksFilter(admin.SimpleListFilter):
    title = "fallbacks of its own"
    parameter_name = "fallbacks"

    def lookups(self, request, model_admin):
        return [("any", "Has fallbacks"), ("none", "Has no fallbacks"), *((k.value, k.title) for k in FALLBACK_TYPES)]

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


class NoRegexLookups:
    """The changelist's filters may not use `__regex`/`__iregex` (`?name__regex=(a+)+$`): a pattern a visitor
    chooses can take exponential time (SQLite runs it in Python, in the worker). Refused lookups are a 400."""

    REFUSED_LOOKUPS = ("regex", "iregex")

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.rsplit("__", 1)[-1] in self.REFUSED_LOOKUPS:
            return False
        return super().lookup_allowed(lookup, value, request)
