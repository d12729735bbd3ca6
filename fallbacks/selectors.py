"""Every read that matters, each with one fixed query shape, shared by the API and the admin.

The number of queries of each selector does not depend on how many model groups there are
(tests pin it). Large reads use `values_list`, not model instances: at ten thousand model
groups building objects is the slow part.
"""

from collections import defaultdict

from django.db.models import Prefetch, Q, QuerySet

from fallbacks.models import Configuration, Deployment, FallbackEntry, ModelGroup
from fallbacks.resolution import ChainMap
from fallbacks.validation import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, describe_chain


def config_version() -> int:
    return Configuration.objects.filter(pk=Configuration.SINGLETON_ID).values_list("version", flat=True).first() or 0


def configuration() -> Configuration:
    """The configuration's settings; an unsaved default before the first write."""
    return Configuration.objects.filter(pk=Configuration.SINGLETON_ID).first() or Configuration(
        pk=Configuration.SINGLETON_ID
    )


def model_group_names() -> list[str]:
    return list(ModelGroup.objects.order_by("name").values_list("name", flat=True))


def model_group_exists(name: str) -> bool:
    return ModelGroup.objects.filter(name=name).exists()


def chain_map(*, fallback_type: str | None = None, model: str | None = None) -> dict[tuple[str, str], list[str]]:
    """All chains (or those of one type or one source) as `(source, type) -> [targets in order]`.

    One query. The default chains have source `*`.
    """
    entries = FallbackEntry.objects.all()
    if fallback_type is not None:
        entries = entries.filter(fallback_type=fallback_type)
    if model == DEFAULT_CHAIN_SOURCE:
        entries = entries.filter(source__isnull=True)
    elif model is not None:
        entries = entries.filter(source__name=model)
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    rows = entries.order_by("source_id", "fallback_type", "position").values_list(
        "source__name", "fallback_type", "target__name"
    )
    for source, entry_type, target in rows:
        chains[(source or DEFAULT_CHAIN_SOURCE, entry_type)].append(target)
    return dict(chains)


def chains_for_model(model: str, fallback_type: str) -> dict[tuple[str, str], list[str]]:
    """The chains `direct_chain` needs for one model: its own and the default one. One query."""
    entries = FallbackEntry.objects.filter(fallback_type=fallback_type).filter(
        Q(source__isnull=True) | Q(source__name=model)
    )
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, target in entries.order_by("source_id", "position").values_list("source__name", "target__name"):
        chains[(source or DEFAULT_CHAIN_SOURCE, fallback_type)].append(target)
    return dict(chains)


def chain_list(*, fallback_type: str | None = None, model: str | None = None) -> list[dict]:
    """`GET /fallback`: every chain, `*` first, then by model name and by type. One query."""
    chains = chain_map(fallback_type=fallback_type, model=model)
    type_order = {name: index for index, name in enumerate(FALLBACK_TYPES)}

    def order(key: tuple[str, str]) -> tuple:
        source, entry_type = key
        return (source != DEFAULT_CHAIN_SOURCE, source, type_order[entry_type])

    return [
        {"model": source, "fallback_type": entry_type, "fallback_models": chains[(source, entry_type)]}
        for source, entry_type in sorted(chains, key=order)
    ]


def model_list_rows(*, name: str | None = None) -> list[tuple[str, int, str]]:
    """`(name, created, owned_by)` of every model group (or of one), by name. One query."""
    groups = ModelGroup.objects.order_by("name")
    if name is not None:
        groups = groups.filter(name=name)
    return list(groups.values_list("name", "created", "owned_by"))


def model_groups() -> QuerySet[ModelGroup]:
    """Model groups with their deployments and own chains, in three queries whatever their number."""
    return ModelGroup.objects.order_by("name").prefetch_related(
        Prefetch("deployments", queryset=Deployment.objects.order_by("position", "id")),
        Prefetch(
            "fallback_entries",
            queryset=FallbackEntry.objects.select_related("target").order_by("fallback_type", "position"),
        ),
    )


def own_chains(group: ModelGroup) -> dict[str, list[str]]:
    """A prefetched group's own chains by type (every type present, `[]` when it has none)."""
    chains: dict[str, list[str]] = {name: [] for name in FALLBACK_TYPES}
    for entry in group.fallback_entries.all():
        chains[entry.fallback_type].append(entry.target.name)
    return chains


def chains_naming(group: ModelGroup) -> list[str]:
    """The chains that name `group` as source or target, `* (type)` first, as `describe_chain` names them."""
    pairs = (
        FallbackEntry.objects.filter(Q(source=group) | Q(target=group))
        .values_list("source__name", "fallback_type")
        .distinct()
    )
    type_order = {name: index for index, name in enumerate(FALLBACK_TYPES)}
    ordered = sorted(
        ((source or DEFAULT_CHAIN_SOURCE, fallback_type) for source, fallback_type in pairs),
        key=lambda pair: (pair[0] != DEFAULT_CHAIN_SOURCE, pair[0], type_order[pair[1]]),
    )
    return [describe_chain(source, fallback_type) for source, fallback_type in ordered]


def chain_context() -> ChainMap:
    """Every chain of every type: what resolution needs to plan a request. One query."""
    return chain_map()
