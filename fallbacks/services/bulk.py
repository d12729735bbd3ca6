"""Writing a whole configuration's difference in batches: what an import and a rollback apply."""

from collections.abc import Callable, Sequence

from fallbacks.config_format import ConfigData, ConfigDiff
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from fallbacks.models import Deployment, FallbackEntry, ModelGroup, unix_now

BATCH_SIZE = 1000

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _batches(items: Sequence, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apply_config(desired: ConfigData, diff: ConfigDiff, step: Progress | None = None) -> None:
    """Turn the database into `desired` by rewriting only what `diff` names, in batches (no query per row).

    A model group created here keeps the `created` time `desired` gives it (a rolled-back group gets
    its old one back), else it is stamped now and `desired` is told, so the history records it.
    """
    step = step or (lambda stage, done, total: None)
    ids = dict(ModelGroup.objects.values_list("name", "id"))

    # Chains go first, so that no entry still points at a model group about to be removed.
    stale_chains = diff.chains_changed + diff.chains_removed
    for fallback_type in FALLBACK_TYPES.values():
        sources = [source for source, chain_type in stale_chains if chain_type == fallback_type]
        if DEFAULT_CHAIN_SOURCE in sources:
            FallbackEntry.objects.filter(source__isnull=True, fallback_type=fallback_type).delete()
        source_ids = [ids[source] for source in sources if source != DEFAULT_CHAIN_SOURCE]
        for batch in _batches(source_ids):
            FallbackEntry.objects.filter(fallback_type=fallback_type, source_id__in=batch).delete()

    removed_ids = [ids[name] for name in diff.groups_removed]
    for done, batch in enumerate(_batches(removed_ids), start=1):
        Deployment.objects.filter(model_group_id__in=batch).delete()
        ModelGroup.objects.filter(id__in=batch).delete()
        step("removing model groups", min(done * BATCH_SIZE, len(removed_ids)), len(removed_ids))

    now = unix_now()
    for name in diff.groups_created:
        if desired.groups[name].created is None:
            desired.groups[name].created = now
    new_groups = [
        ModelGroup(
            name=name,
            owned_by=desired.groups[name].owned_by,
            description=desired.groups[name].description,
            max_input_tokens=desired.groups[name].max_input_tokens,
            created=desired.groups[name].created,
        )
        for name in diff.groups_created
    ]
    for done, batch in enumerate(_batches(new_groups), start=1):
        ModelGroup.objects.bulk_create(batch)
        step("creating model groups", min(done * BATCH_SIZE, len(new_groups)), len(new_groups))
    changed_groups = [
        ModelGroup(
            id=ids[name],
            owned_by=desired.groups[name].owned_by,
            description=desired.groups[name].description,
            max_input_tokens=desired.groups[name].max_input_tokens,
        )
        for name in diff.groups_changed
    ]
    ModelGroup.objects.bulk_update(
        changed_groups, ["owned_by", "description", "max_input_tokens"], batch_size=BATCH_SIZE
    )
    if new_groups:
        ids = dict(ModelGroup.objects.values_list("name", "id"))

    replaced_ids = [ids[name] for name in diff.deployments_replaced]
    for batch in _batches(replaced_ids):
        Deployment.objects.filter(model_group_id__in=batch).delete()
    deployments = [
        Deployment(
            model_group_id=ids[name],
            position=position,
            litellm_params=deployment.litellm_params,
            model_info=deployment.model_info,
        )
        for name in diff.deployments_replaced + diff.groups_created
        for position, deployment in enumerate(desired.groups[name].deployments)
    ]
    for done, batch in enumerate(_batches(deployments), start=1):
        Deployment.objects.bulk_create(batch)
        step("writing deployments", min(done * BATCH_SIZE, len(deployments)), len(deployments))

    entries = [
        FallbackEntry(
            source_id=None if source == DEFAULT_CHAIN_SOURCE else ids[source],
            fallback_type=fallback_type,
            position=position,
            target_id=ids[target],
        )
        for source, fallback_type in diff.chains_created + diff.chains_changed
        for position, target in enumerate(desired.chains[(source, fallback_type)])
    ]
    for done, batch in enumerate(_batches(entries), start=1):
        FallbackEntry.objects.bulk_create(batch)
        step("writing chains", min(done * BATCH_SIZE, len(entries)), len(entries))
