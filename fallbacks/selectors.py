"""Every read that matters, each with one fixed query shape, shared by the API and the admin.

The number of queries of each selector does not depend on how many model groups there are
(tests pin it). Large reads use `values_list`, not model instances: at ten thousand model
groups building objects is the slow part.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, StrIndex, Substr
from django.utils import timezone

from fallbacks import history
from fallbacks.config_format import ConfigData, DeploymentData, GroupData
from fallbacks.domain import (
    DEFAULT_CHAIN_SOURCE,
    DEFAULT_FALLBACK_TYPE,
    DEFAULT_LITELLM_VERSION,
    FALLBACK_TYPES,
    describe_chain,
)
from fallbacks.history import Change, Key
from fallbacks.lint import GroupFacts, LintContext
from fallbacks.models import (
    ApiKey,
    AuthenticationFailures,
    ChangeRecord,
    ConfigChange,
    Configuration,
    Deployment,
    FallbackEntry,
    Gateway,
    ImportPreview,
    ModelGroup,
    Via,
)


def config_version() -> int:
    return Configuration.objects.filter(pk=Configuration.SINGLETON_ID).values_list("version", flat=True).first() or 0


@dataclass(frozen=True)
class ConfigStamp:
    """What names one state of the configuration: its version, when that version was written, and the series the
    gateways run (which the model list's metadata follows)."""

    version: int
    # When the version was written, as the database driver gives it: the version alone repeats after a database is
    # restored or a test rolls back
    written_at: datetime | None
    litellm_version: str


def config_stamp() -> ConfigStamp:
    """The configuration's current stamp. One query, by primary key.

    Read on every request to a list (fallbacks.api.listings), so in plain SQL: building the ORM's query costs
    about twenty times what SQLite takes to answer it, and this is most of what a 304 costs.
    """
    sql = f"SELECT version, updated_at, litellm_version FROM {Configuration._meta.db_table} WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [Configuration.SINGLETON_ID])
        row = cursor.fetchone()
    if row is None:
        return ConfigStamp(version=0, written_at=None, litellm_version=DEFAULT_LITELLM_VERSION)
    return ConfigStamp(*row)


def configuration() -> Configuration:
    """The configuration's settings; an unsaved default before the first write."""
    return Configuration.objects.filter(pk=Configuration.SINGLETON_ID).first() or Configuration(
        pk=Configuration.SINGLETON_ID
    )


def model_group_names() -> list[str]:
    return list(ModelGroup.objects.order_by("name").values_list("name", flat=True))


def import_preview(token: str, *, user, lifetime: timedelta) -> str | None:
    """The text of the file `user` previewed under `token` within `lifetime`; None when there is none. One query."""
    document = (
        ImportPreview.objects.filter(token=token, user=user, created_at__gte=timezone.now() - lifetime)
        .values_list("document", flat=True)
        .first()
    )
    return None if document is None else bytes(document).decode()


def model_group(name: str) -> ModelGroup | None:
    return ModelGroup.objects.filter(name=name).first()


def active_api_key(key_hash: str) -> ApiKey | None:
    return ApiKey.objects.filter(key_hash=key_hash, is_active=True).first()


def authentication_failures(address: str, *, after: int) -> list[tuple[int, int]]:
    """The failed authentications of `address` in each second after `after` that had any, oldest first.

    Read on every request that presents a key, so in plain SQL like config_stamp.
    """
    sql = (
        f"SELECT second, failures FROM {AuthenticationFailures._meta.db_table}"
        " WHERE address = %s AND second > %s ORDER BY second"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [address, after])
        return [tuple(row) for row in cursor.fetchall()]


def model_group_exists(name: str) -> bool:
    return ModelGroup.objects.filter(name=name).exists()


def _fetch_all(rows: QuerySet) -> list[tuple]:
    """A values_list query's rows straight from the database cursor, for the reads of every chain entry: the ORM's
    own iteration (chunks of 100, a tuple made again for each row) costs more than the database's answer there."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (`__in` an empty list): the ORM asks the database nothing
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def chain_map(
    *,
    fallback_type: str | None = None,
    model: str | None = None,
    fallback_types: Iterable[str] | None = None,
    names: Mapping[int, str] | None = None,
) -> dict[tuple[str, str], list[str]]:
    """All chains (or those of one type, of some types, or of one source) as `(source, type) -> [targets in order]`.

    One query. The default chains have source `*`. A caller that has read every group's id and
    name already passes them as `names`, which spares the query two joins (half its time at
    ten thousand groups).
    """
    entries = FallbackEntry.objects.all()
    if fallback_type is not None:
        entries = entries.filter(fallback_type=fallback_type)
    if fallback_types is not None:
        entries = entries.filter(fallback_type__in=set(fallback_types))
    if model == DEFAULT_CHAIN_SOURCE:
        entries = entries.filter(source__isnull=True)
    elif model is not None:
        entries = entries.filter(source__name=model)
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    entries = entries.order_by("source_id", "fallback_type", "position")
    if names is None:
        for source, entry_type, target in entries.values_list("source__name", "fallback_type", "target__name"):
            chains[(source or DEFAULT_CHAIN_SOURCE, entry_type)].append(target)
    else:
        rows = _fetch_all(entries.values_list("source_id", "fallback_type", "target_id"))
        chain_source, chain_type, targets = None, None, []
        try:
            # One plain pass (groupby costs twice this at 80,000 rows), comparing the key's parts without making it a
            # tuple per row (8 ms, not 12).
            for source_id, entry_type, target_id in rows:
                if source_id != chain_source or entry_type != chain_type:
                    chain_source, chain_type = source_id, entry_type
                    targets = chains[(names[source_id] if source_id else DEFAULT_CHAIN_SOURCE, entry_type)] = []
                targets.append(names[target_id])
        except KeyError:
            # A group created after the caller read the names: read the chains with their names instead.
            return chain_map(fallback_type=fallback_type, model=model, fallback_types=fallback_types)
    return dict(chains)


def litellm_version() -> str:
    """The LiteLLM series the gateways run (the setting). One query."""
    return configuration().litellm_version


def chains_of_sources(
    sources: Iterable[str], *, fallback_type: str | None = None, fallback_types: Iterable[str] | None = None
) -> dict[tuple[str, str], list[str]]:
    """The chains (every type, one or some) of the named sources, `*` naming the default ones. One query."""
    names = set(sources)
    # The named groups' chains and the `*` ones as two parts of one UNION ALL, each read by index: one WHERE with
    # `name IN (...) OR source_id IS NULL` made SQLite scan every entry, and PostgreSQL every entry and group.
    parts = [FallbackEntry.objects.filter(source__name__in=names - {DEFAULT_CHAIN_SOURCE})]
    if DEFAULT_CHAIN_SOURCE in names:
        parts.append(FallbackEntry.objects.filter(source__isnull=True))
    if fallback_type is not None:
        parts = [part.filter(fallback_type=fallback_type) for part in parts]
    if fallback_types is not None:
        parts = [part.filter(fallback_type__in=set(fallback_types)) for part in parts]
    first, *others = (
        part.order_by().values_list("source_id", "fallback_type", "position", "source__name", "target__name")
        for part in parts
    )
    entries = first.union(*others, all=True).order_by("source_id", "fallback_type", "position")
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _, entry_type, _, source, target in entries:
        chains[(source or DEFAULT_CHAIN_SOURCE, entry_type)].append(target)
    return dict(chains)


def chain_list(*, fallback_type: str | None = None, model: str | None = None) -> list[dict]:
    """`GET /fallback`: every chain, `*` first, then by model name and by type. One query."""
    chains = chain_map(fallback_type=fallback_type, model=model)
    return [
        {"model": source, "fallback_type": entry_type, "fallback_models": chains[(source, entry_type)]}
        for source, entry_type in sorted(chains, key=_chain_order)
    ]


def _chain_order(key: tuple[str, str]) -> tuple:
    source, entry_type = key
    return (source != DEFAULT_CHAIN_SOURCE, source, FALLBACK_TYPES.order(entry_type))


def chain_page(
    *, limit: int, after: tuple[str, str] | None = None, fallback_type: str | None = None, model: str | None = None
) -> list[dict]:
    """Up to `limit + 1` chains of `GET /fallback` in its order, those after the chain `after` (`(source, type)`).

    Two queries, reading at most `limit + 2` model groups and their chains, whatever the number of groups: the
    groups with chains from the cursor's source on, by name, then the chains of those groups (and the `*` ones
    while the cursor has not passed them).
    """
    # In the whole list's order, which Python's string comparison makes: by code point, whatever the database's
    # collation (PostgreSQL's "C"; SQLite compares by code point already).
    by_code_point = Collate("name", "C") if connection.vendor == "postgresql" else F("name")
    sources = ModelGroup.objects.annotate(sort_name=by_code_point).order_by("sort_name")
    owned = FallbackEntry.objects.filter(source=OuterRef("pk"))
    entries = FallbackEntry.objects.all()
    if fallback_type is not None:
        owned = owned.filter(fallback_type=fallback_type)
        entries = entries.filter(fallback_type=fallback_type)
    with_defaults = model in (None, DEFAULT_CHAIN_SOURCE) and (after is None or after[0] == DEFAULT_CHAIN_SOURCE)
    if model == DEFAULT_CHAIN_SOURCE:
        sources = sources.none()
    elif model is not None:
        sources = sources.filter(name=model)
    if after is not None and after[0] != DEFAULT_CHAIN_SOURCE:
        sources = sources.filter(sort_name__gte=after[0])  # the cursor's own group may have chains of later types
    # limit + 2: the cursor's own group may have no chain left after it, and one more tells whether there is more.
    names = dict(sources.filter(Exists(owned)).values_list("id", "name")[: limit + 2])
    wanted = Q(source_id__in=list(names))
    if with_defaults:
        wanted |= Q(source__isnull=True)
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    rows = entries.filter(wanted).order_by("source_id", "fallback_type", "position")
    for source_id, entry_type, target in rows.values_list("source_id", "fallback_type", "target__name"):
        chains[(names[source_id] if source_id else DEFAULT_CHAIN_SOURCE, entry_type)].append(target)
    keys = sorted(chains, key=_chain_order)
    if after is not None:
        keys = [key for key in keys if _chain_order(key) > _chain_order(after)]
    return [
        {"model": source, "fallback_type": entry_type, "fallback_models": chains[(source, entry_type)]}
        for source, entry_type in keys[: limit + 1]
    ]


def model_list_rows(*, name: str | None = None) -> list[tuple[int, str, int, str]]:
    """`(id, name, created, owned_by)` of every model group (or of one), by name. One query."""
    groups = ModelGroup.objects.order_by("name")
    if name is not None:
        groups = groups.filter(name=name)
    return list(groups.values_list("id", "name", "created", "owned_by"))


def model_group_documents(*, name: str | None = None, after: str | None = None, limit: int | None = None) -> list[dict]:
    """Model groups as the API shows them (with deployments and own chains), by name. Three queries.

    With `limit`, up to `limit + 1` groups named after `after` (a page and whether there is more), reading only
    their deployments and chains.
    """
    groups = ModelGroup.objects.order_by("name")
    deployments = Deployment.objects.order_by("model_group_id", "position", "id")
    entries = FallbackEntry.objects.filter(source__isnull=False).order_by("source_id", "fallback_type", "position")
    if name is not None:
        groups = groups.filter(name=name)
        deployments = deployments.filter(model_group__name=name)
        entries = entries.filter(source__name=name)
    if after is not None:
        groups = groups.filter(name__gt=after)
    rows = groups.values_list("id", "name", "owned_by", "created", "max_input_tokens", "description")
    if limit is not None:
        rows = list(rows[: limit + 1])
        ids = [row[0] for row in rows]
        deployments = deployments.filter(model_group_id__in=ids)
        entries = entries.filter(source_id__in=ids)
    documents: dict[int, dict] = {}
    for group_id, group_name, owned_by, created, max_input_tokens, description in rows:
        documents[group_id] = {
            "name": group_name,
            "owned_by": owned_by,
            "created": created,
            "max_input_tokens": max_input_tokens,
            "description": description,
            "deployments": [],
            "fallbacks": {fallback_type: [] for fallback_type in FALLBACK_TYPES.values()},
        }
    # A group created after the groups were read (READ COMMITTED reads each query afresh) is not in this answer: its
    # deployments and chains are left out with it.
    for group_id, params, info in deployments.values_list("model_group_id", "litellm_params", "model_info"):
        if group_id in documents:
            documents[group_id]["deployments"].append({"litellm_params": params, "model_info": info})
    for source_id, fallback_type, target in entries.values_list("source_id", "fallback_type", "target__name"):
        if source_id in documents:
            documents[source_id]["fallbacks"][fallback_type].append(target)
    return list(documents.values())


def chains_naming(group: ModelGroup) -> list[str]:
    """The chains that name `group` as source or target, `* (type)` first, as `describe_chain` names them."""
    pairs = (
        FallbackEntry.objects.filter(Q(source=group) | Q(target=group))
        .order_by()  # without the model's ordering, whose `position` would make each entry distinct
        .values_list("source__name", "fallback_type")
        .distinct()
    )
    ordered = sorted(
        ((source or DEFAULT_CHAIN_SOURCE, fallback_type) for source, fallback_type in pairs),
        key=_chain_order,
    )
    return [describe_chain(source, fallback_type) for source, fallback_type in ordered]


def config_data() -> ConfigData:
    """The whole configuration as plain data (what an export writes, what an import compares with).

    Five queries whatever the size (five more when a write lands meanwhile). The version is read
    before and after: every write bumps it, so when both agree no write landed in between and the
    parts fit together (PostgreSQL's READ COMMITTED would otherwise let a write slip between two
    of the queries).
    """
    for _ in range(CONSISTENT_READ_ATTEMPTS):
        settings = configuration()
        data = _config_data_once(settings.max_fallbacks)
        data.version = config_version()
        if data.version == settings.version:
            return data
    return data  # writes kept landing: the last read is still well formed, and the next export will settle


CONSISTENT_READ_ATTEMPTS = 3


def _config_data_once(max_fallbacks: int) -> ConfigData:
    groups: dict[str, GroupData] = {}
    names_by_id: dict[int, str] = {}
    rows = ModelGroup.objects.values_list("id", "name", "owned_by", "description", "max_input_tokens", "created")
    for group_id, name, owned_by, description, max_input_tokens, created in rows:
        names_by_id[group_id] = name
        groups[name] = GroupData(
            name=name, owned_by=owned_by, description=description, max_input_tokens=max_input_tokens, created=created
        )
    deployments = Deployment.objects.order_by("model_group_id", "position", "id").values_list(
        "model_group_id", "litellm_params", "model_info"
    )
    for group_id, litellm_params, model_info in deployments:
        if group_id in names_by_id:  # a group created after the first query; the version check retries
            groups[names_by_id[group_id]].deployments.append(
                DeploymentData(litellm_params=litellm_params, model_info=model_info or {})
            )
    return ConfigData(groups=groups, chains=chain_map(), max_fallbacks=max_fallbacks)


def chain_target_groups(group: ModelGroup | None) -> dict[str, list[ModelGroup]]:
    """A group's own chains (the `*` chains for None) by type, targets as model groups in order. One query."""
    chains: dict[str, list[ModelGroup]] = {name: [] for name in FALLBACK_TYPES.values()}
    entries = FallbackEntry.objects.filter(source=group).select_related("target").order_by("fallback_type", "position")
    for entry in entries:
        chains[entry.fallback_type].append(entry.target)
    return chains


def existing_group_names(names: Iterable[str]) -> set[str]:
    """Which of `names` are model groups. One query."""
    return set(ModelGroup.objects.filter(name__in=set(names)).values_list("name", flat=True))


def fallback_settings() -> dict:
    """`max_fallbacks`, `litellm_version` and the config version they belong to. One query."""
    settings = configuration()
    return {
        "max_fallbacks": settings.max_fallbacks,
        "litellm_version": settings.litellm_version,
        "config_version": settings.version,
    }


def lint_context(*, series: str | None = None) -> LintContext:
    """Every chain, each group's facts and the settings: what the lint reads. Three queries.

    The findings follow the configured LiteLLM series, or `series` when given (and then say which plans the
    switch from the configured series would change).
    """
    # Each group's deployments counted by a correlated subquery on their model group's index, in plain SQL: the ORM's
    # annotate(Count) groups the join by every column of the group, names and descriptions sorted (12 ms against 7
    # at ten thousand groups on SQLite).
    sql = f"""
        SELECT g.id, g.name, g.max_input_tokens,
            (SELECT COUNT(*) FROM {Deployment._meta.db_table} d WHERE d.model_group_id = g.id)
        FROM {ModelGroup._meta.db_table} g
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    # GroupFacts are frozen, so the groups with the same facts share one (most do: a few sizes of window, one
    # deployment or a few), which spares making ten thousand of them (4 ms, against 1 for the look-ups).
    alike: dict[tuple[int | None, int], GroupFacts] = {}
    groups = {}
    for _, name, max_input_tokens, deployment_count in rows:
        facts = alike.get((max_input_tokens, deployment_count))
        if facts is None:
            facts = alike[(max_input_tokens, deployment_count)] = GroupFacts(max_input_tokens, deployment_count)
        groups[name] = facts
    chains = chain_map(names={group_id: name for group_id, name, _, _ in rows})
    settings = configuration()
    return LintContext(
        chains=chains,
        groups=groups,
        max_fallbacks=settings.max_fallbacks,
        series=series or settings.litellm_version,
        configured_series=settings.litellm_version,
    )


# What the lint reads of part of the graph (fallbacks.queries: the lint of a chain just written, of some groups) --


@dataclass(frozen=True)
class LintFacts:
    """The settings, and the little the lint asks of the whole configuration when it looks at part of it."""

    max_fallbacks: int
    litellm_version: str
    config_version: int
    written_at: datetime | None  # when that version was written (ConfigStamp's)
    types_present: frozenset[str]  # the types that have a chain anywhere
    deployments_anywhere: bool  # whether any group has a deployment


def lint_facts() -> LintFacts:
    """One query, whether or not the first write has made the settings row yet (EXISTS probes stop at the first row
    they find)."""
    kinds = list(FALLBACK_TYPES.values())
    entries, deployments = FallbackEntry._meta.db_table, Deployment._meta.db_table
    probes = ", ".join([f"EXISTS (SELECT 1 FROM {entries} WHERE fallback_type = %s)"] * len(kinds))
    sql = f"""
        SELECT c.version, c.updated_at, c.max_fallbacks, c.litellm_version,
        EXISTS (SELECT 1 FROM {deployments}), {probes}
        FROM (SELECT 1 AS one) AS one LEFT JOIN {Configuration._meta.db_table} c ON c.id = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*kinds, Configuration.SINGLETON_ID])
        version, written_at, max_fallbacks, series, anywhere, *present = cursor.fetchone()
    if version is None:  # before the first write: the settings' defaults
        defaults = Configuration(pk=Configuration.SINGLETON_ID)
        version, max_fallbacks, series = defaults.version, defaults.max_fallbacks, defaults.litellm_version
    return LintFacts(
        max_fallbacks=max_fallbacks,
        litellm_version=series,
        config_version=version,
        written_at=written_at,
        types_present=frozenset(kind for kind, found in zip(kinds, present, strict=True) if found),
        deployments_anywhere=bool(anywhere),
    )


def group_facts(names: Iterable[str]) -> dict[str, GroupFacts]:
    """The lint's facts of those of `names` that are model groups. One query."""
    rows = (
        ModelGroup.objects.filter(name__in=set(names))
        .annotate(deployment_count=Count("deployments"))
        .values_list("name", "max_input_tokens", "deployment_count")
    )
    return {name: GroupFacts(max_input_tokens=tokens, deployments=count) for name, tokens, count in rows}


def chain_sources_naming(targets: Iterable[str], fallback_type: str | None) -> set[str]:
    """The sources (`*` for the default chain) of the chains of `fallback_type` (of any, None) naming any of `targets`.
    One query."""
    entries = FallbackEntry.objects.filter(target__name__in=set(targets))
    if fallback_type is not None:
        entries = entries.filter(fallback_type=fallback_type)
    rows = entries.order_by().values_list("source__name", flat=True).distinct()
    return {source or DEFAULT_CHAIN_SOURCE for source in rows}


def sources_reaching(name: str, fallback_type: str, hops: int) -> dict[str, int]:
    """Each model group whose own chains of `fallback_type` reach `name` within `hops` hops (following each target's
    own chain of the type), with the fewest hops it takes; `name` itself, when a group, at 0. The `*` chains are left
    out. One recursive query, whose size is what reaches `name` that closely (chain_sources_naming hop by hop).
    """
    entries, groups = FallbackEntry._meta.db_table, ModelGroup._meta.db_table
    sql = f"""
        WITH RECURSIVE reaching(id, hops) AS (
            SELECT id, 0 FROM {groups} WHERE name = %s
            UNION
            SELECT e.source_id, r.hops + 1 FROM {entries} e JOIN reaching r ON e.target_id = r.id
            WHERE e.fallback_type = %s AND e.source_id IS NOT NULL AND r.hops < %s
        )
        SELECT (SELECT name FROM {groups} WHERE id = r.id), MIN(r.hops) FROM reaching r GROUP BY r.id
    """  # the names by primary key: a join with `reaching` made PostgreSQL scan every group
    with connection.cursor() as cursor:
        cursor.execute(sql, [name, fallback_type, hops])
        return dict(cursor.fetchall())


def own_chains_reachable(sources: Iterable[str], fallback_types: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    """Every own chain (not `*`) of each type that the own chains of `sources` of that type reach, theirs included,
    following each target's own chain of the same type: all a cycle through one of `sources` can use.

    One recursive query, whose size is what those chains reach (on a graph that is one big ring, everything).
    """
    names, kinds = sorted(set(sources) - {DEFAULT_CHAIN_SOURCE}), sorted(set(fallback_types))
    if not names or not kinds:
        return {}
    entries, groups = FallbackEntry._meta.db_table, ModelGroup._meta.db_table
    sql = f"""
        WITH RECURSIVE reached(id, kind) AS (
            SELECT DISTINCT e.source_id, e.fallback_type FROM {entries} e JOIN {groups} g ON g.id = e.source_id
            WHERE g.name IN ({", ".join(["%s"] * len(names))})
            AND e.fallback_type IN ({", ".join(["%s"] * len(kinds))})
            UNION
            SELECT e.target_id, e.fallback_type FROM {entries} e
            JOIN reached r ON e.source_id = r.id AND e.fallback_type = r.kind
        )
        SELECT s.name, e.fallback_type, t.name FROM reached r CROSS JOIN {entries} e
        JOIN {groups} s ON s.id = e.source_id
        JOIN {groups} t ON t.id = e.target_id
        WHERE e.source_id = r.id AND e.fallback_type = r.kind
        ORDER BY e.source_id, e.fallback_type, e.position
    """  # CROSS JOIN: SQLite then looks each chain of `reached` up by key (a plain join scanned every entry, and a
    # row-value IN took a third longer on a ring); PostgreSQL plans it as any inner join
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*names, *kinds])
        for source, kind, target in cursor.fetchall():
            chains[(source, kind)].append(target)
    return dict(chains)


def chains_within_hops(
    names: Iterable[str], fallback_types: Iterable[str], hops: int, *, with_defaults: bool
) -> dict[tuple[str, str], list[str]]:
    """The chains of `fallback_types` whose sources are at most `hops` hops from `names` along chains of those types,
    the `*` chains being one hop from every model (with `with_defaults`; they are read too). One recursive query,
    which follows chains by their keys: a rule a model uses by another spelling of its name is the caller's to add.
    """
    names, kinds = sorted(set(names) - {DEFAULT_CHAIN_SOURCE}), sorted(set(fallback_types))
    if not kinds:
        return {}
    entries, groups = FallbackEntry._meta.db_table, ModelGroup._meta.db_table
    in_kinds = ", ".join(["%s"] * len(kinds))
    in_names = ", ".join(["%s"] * len(names)) or "NULL"
    defaults = f"UNION SELECT target_id, 1 FROM {entries} WHERE source_id IS NULL AND fallback_type IN ({in_kinds})"
    sql = f"""
        WITH RECURSIVE reached(id, depth) AS (
            SELECT id, 0 FROM {groups} WHERE name IN ({in_names})
            {defaults if with_defaults else ""}
            UNION
            SELECT e.target_id, r.depth + 1 FROM {entries} e JOIN reached r ON e.source_id = r.id
            WHERE e.fallback_type IN ({in_kinds}) AND r.depth < %s
        )
        SELECT s.name, e.fallback_type, t.name FROM {entries} e
        LEFT JOIN {groups} s ON s.id = e.source_id
        JOIN {groups} t ON t.id = e.target_id
        WHERE e.fallback_type IN ({in_kinds})
        AND ({"e.source_id IS NULL OR " if with_defaults else ""}e.source_id IN (SELECT id FROM reached))
        ORDER BY e.source_id, e.fallback_type, e.position
    """
    params = [*names, *(kinds if with_defaults else []), *kinds, hops, *kinds]
    chains: dict[tuple[str, str], list[str]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for source, kind, target in cursor.fetchall():
            chains[(source or DEFAULT_CHAIN_SOURCE, kind)].append(target)
    return dict(chains)


def _named_by_a_chain():
    """Whether a chain names the model group, as source or target (an expression over ModelGroup)."""
    return Exists(FallbackEntry.objects.filter(source=OuterRef("pk"))) | Exists(
        FallbackEntry.objects.filter(target=OuterRef("pk"))
    )


def names_in_chains(names: Iterable[str]) -> set[str]:
    """Those of `names` that are the source or a target of some chain. One query."""
    return set(ModelGroup.objects.filter(_named_by_a_chain(), name__in=set(names)).values_list("name", flat=True))


def first_group_in_no_chain() -> str | None:
    """The first model group by name that no chain names, as source or target: the lint plans it for all of them.
    One query (the database looks for it, one row is read)."""
    return ModelGroup.objects.filter(~_named_by_a_chain()).order_by("name").values_list("name", flat=True).first()


def groups_in_no_chain() -> list[str]:
    """The model groups that no chain names, as source or target, by name. One query."""
    return list(ModelGroup.objects.filter(~_named_by_a_chain()).order_by("name").values_list("name", flat=True))


def groups_without_own_chain(fallback_type: str, *, with_own_general: bool) -> list[str]:
    """The model groups without a chain of their own of `fallback_type`; with `with_own_general`, only those that
    have a general chain of their own. One query: the database compares, only the answer is read."""
    own = FallbackEntry.objects.filter(source=OuterRef("pk"))
    groups = ModelGroup.objects.filter(~Exists(own.filter(fallback_type=fallback_type)))
    if with_own_general:
        groups = groups.filter(Exists(own.filter(fallback_type=DEFAULT_FALLBACK_TYPE)))
    return list(groups.order_by().values_list("name", flat=True))


def groups_lacking_own_chain() -> list[tuple[str, frozenset[str], bool]]:
    """The model groups without a chain of their own of some type: `(name, the types it has a chain of, whether a
    chain names it as source or target)`. One query: the database compares, only those groups are read."""
    own = FallbackEntry.objects.filter(source=OuterRef("pk"))
    kinds = list(FALLBACK_TYPES.values())
    has = {f"has_{kind}": Exists(own.filter(fallback_type=kind)) for kind in kinds}
    lacking = Q()
    for flag in has:
        lacking |= Q(**{flag: False})
    rows = ModelGroup.objects.annotate(**has, named=_named_by_a_chain()).filter(lacking).order_by()
    return [
        (name, frozenset(kind for kind, found in zip(kinds, flags, strict=True) if found), named)
        for name, named, *flags in rows.values_list("name", "named", *has)
    ]


def names_spelled_alike() -> set[str]:
    """Model group names that may be another spelling of one another (fallbacks.litellm_names): a name whose part
    after its first `/` is another group's name (`openai/gpt-4o` and `gpt-4o`, both given), and a name whose first
    segment recurs after it (`azure/azure/x`, which LiteLLM strips to `x`). Every other spelling of a group's name
    that is itself a group is among them. One query: the database compares the names, only the few that match are
    read.
    """
    slash = StrIndex("name", Value("/"))
    groups = ModelGroup.objects.annotate(rest=Substr("name", slash + 1), first=Substr("name", 1, slash))
    groups = groups.annotate(recurs=StrIndex("rest", "first"))
    groups = groups.annotate(rest_is_a_group=Exists(ModelGroup.objects.filter(name=OuterRef("rest"))))
    spelled = Q(name__contains="/") & (Q(rest_is_a_group=True) | Q(recurs__gt=0))
    found: set[str] = set()
    for name, rest, rest_is_a_group in groups.filter(spelled).order_by().values_list("name", "rest", "rest_is_a_group"):
        found.update((name, rest) if rest_is_a_group else (name,))
    return found


def names_spelled_like(name: str) -> set[str]:
    """`name` and the model groups of which it may be another spelling (fallbacks.litellm_names), those that exist:
    every name LiteLLM may strip to `name` (`openai/gpt-4o`, `azure/azure/gpt-4o` for `gpt-4o`: their stored `stem`
    is `name`), and `name` without its first segment (`gpt-4o` for `openai/gpt-4o`: the name LiteLLM may prefix to
    it). One query, by key (the names and the `stem` index), whatever the number of groups.
    """
    by_name = {name, name.split("/", 1)[-1]}
    return set(ModelGroup.objects.filter(Q(name__in=by_name) | Q(stem=name)).values_list("name", flat=True))


# The history ------------------------------------------------------------------------------------


def current_values(keys: Iterable[Key]) -> dict[Key, object]:
    """The current value of each thing named (None when it does not exist). Four queries at most, whatever the size."""
    keys = set(keys)
    values: dict[Key, object] = dict.fromkeys(keys)
    group_names = {key.name for key in keys if key.kind == history.MODEL_GROUP}
    if group_names:
        rows = ModelGroup.objects.filter(name__in=group_names).values_list(
            "id", "name", "owned_by", "description", "max_input_tokens", "created"
        )
        by_id = {}
        for group_id, name, owned_by, description, max_input_tokens, created in rows:
            by_id[group_id] = GroupData(name, owned_by, description, max_input_tokens, [], created)
        deployments = Deployment.objects.filter(model_group_id__in=by_id).order_by("model_group_id", "position", "id")
        for group_id, params, info in deployments.values_list("model_group_id", "litellm_params", "model_info"):
            by_id[group_id].deployments.append(DeploymentData(params, info or {}))
        values.update({Key.group(group.name): history.group_value(group) for group in by_id.values()})
    chain_keys = {key for key in keys if key.kind == history.CHAIN}
    if chain_keys:
        sources = {key.name for key in chain_keys}
        wanted = Q(source__name__in=sources - {DEFAULT_CHAIN_SOURCE})
        if DEFAULT_CHAIN_SOURCE in sources:
            wanted |= Q(source__isnull=True)
        entries = (
            FallbackEntry.objects.filter(wanted, fallback_type__in={key.fallback_type for key in chain_keys})
            .order_by("source_id", "fallback_type", "position")
            .values_list("source__name", "fallback_type", "target__name")
        )
        chains: dict[Key, list[str]] = defaultdict(list)
        for source, fallback_type, target in entries:
            chains[Key.chain(source or DEFAULT_CHAIN_SOURCE, fallback_type)].append(target)
        values.update({key: chains[key] for key in chain_keys if key in chains})
    if any(key.kind == history.SETTING for key in keys):
        settings = configuration()
        values.update({key: getattr(settings, key.name) for key in keys if key.kind == history.SETTING})
    return values


def chain_keys_naming(names: Iterable[str]) -> set[Key]:
    """Every chain whose source or one of whose targets is one of `names`. One query."""
    names = set(names)
    pairs = (
        FallbackEntry.objects.filter(Q(source__name__in=names) | Q(target__name__in=names))
        .order_by()
        .values_list("source__name", "fallback_type")
        .distinct()
    )
    return {Key.chain(source or DEFAULT_CHAIN_SOURCE, fallback_type) for source, fallback_type in pairs}


def last_changed(keys: Iterable[Key]) -> int:
    """The version that last changed any of these things; 0 if none ever did. One query."""
    wanted = Q(pk__in=[])
    for key in keys:
        wanted |= Q(kind=key.kind, name=key.name, fallback_type=key.fallback_type)
    return ConfigChange.objects.filter(wanted).aggregate(last=Max("version"))["last"] or 0


def chain_versions(source: str) -> dict[str, int]:
    """The version that last changed each of `source`'s chains, by type (types never changed are absent). One query."""
    rows = (
        ConfigChange.objects.filter(kind=history.CHAIN, name=source)
        .values_list("fallback_type")
        .annotate(last=Max("version"))
        .order_by()
    )
    return dict(rows)


def change_record(version: int) -> ChangeRecord | None:
    return ChangeRecord.objects.filter(version=version).first()


def history_start() -> int:
    """The first version from which every change is known: after the last legacy record (migration 0005)."""
    last_legacy = ChangeRecord.objects.filter(via=Via.LEGACY).aggregate(last=Max("version"))["last"]
    return last_legacy or 0


def changes_after(version: int, *, up_to: int | None = None, keys: Iterable[Key] | None = None) -> list[Change]:
    """The changes of the versions after `version` (up to `up_to`), in version order; only of `keys` when given."""
    rows = ConfigChange.objects.filter(version__gt=version)
    if up_to is not None:
        rows = rows.filter(version__lte=up_to)
    if keys is not None:
        wanted = Q(pk__in=[])
        for key in keys:
            wanted |= Q(kind=key.kind, name=key.name, fallback_type=key.fallback_type)
        rows = rows.filter(wanted)
    return [
        Change(Key(kind, name, fallback_type), before, after)
        for kind, name, fallback_type, before, after in rows.order_by("version", "position").values_list(
            "kind", "name", "fallback_type", "before", "after"
        )
    ]


def version_records(
    *,
    model: str | None = None,
    fallback_type: str | None = None,
    actor: str | None = None,
    via: str | None = None,
    since=None,
    before_version: int | None = None,
    limit: int = 50,
    changes_shown: int | None = None,
) -> list[ChangeRecord]:
    """Versions, newest first, each with its first `changes_shown` changes in `record.shown_changes`.

    Two queries, whatever the number of versions or changes.
    """
    records = ChangeRecord.objects.order_by("-version")
    if model is not None:
        records = records.filter(
            Exists(
                ConfigChange.objects.filter(
                    record=OuterRef("pk"), name=model, kind__in=[history.CHAIN, history.MODEL_GROUP]
                )
            )
        )
    if fallback_type is not None:
        records = records.filter(
            Exists(ConfigChange.objects.filter(record=OuterRef("pk"), kind=history.CHAIN, fallback_type=fallback_type))
        )
    if actor is not None:
        records = records.filter(actor=actor)
    if via is not None:
        records = records.filter(via=via)
    if since is not None:
        records = records.filter(created_at__gte=since)
    if before_version is not None:
        records = records.filter(version__lt=before_version)
    records = list(records[:limit])
    changes = ConfigChange.objects.filter(record__in=[record.pk for record in records])
    if changes_shown is not None:
        changes = changes.filter(position__lt=changes_shown)  # positions run 0, 1, 2, ... within a version
    _attach_changes(records, changes)
    return records


def version_record(version: int) -> ChangeRecord | None:
    """One version with all its changes in `record.shown_changes`. Two queries."""
    record = ChangeRecord.objects.filter(version=version).first()
    if record is not None:
        _attach_changes([record], ConfigChange.objects.filter(record=record))
    return record


def _attach_changes(records: list[ChangeRecord], changes) -> None:
    by_record: dict[int, list[ConfigChange]] = defaultdict(list)
    for change in changes.order_by("record_id", "position"):
        by_record[change.record_id].append(change)
    for record in records:
        record.shown_changes = by_record[record.pk]


# Gateways (PRODUCT.md 3.4) ----------------------------------------------------------------------

GATEWAY_DOCUMENT_FIELDS = (
    "name",
    "base_url",
    "api_key",
    "litellm_version",
    "mode",
    "created_at",
    "last_checked_at",
    "last_state",
)


def gateway(name: str) -> Gateway | None:
    return Gateway.objects.filter(name=name).first()


def gateways() -> list[Gateway]:
    return list(Gateway.objects.order_by("name"))


@dataclass(frozen=True)
class GatewayGroupState:
    """What one gateway's last drift check (Gateway.last_state) said about one model group."""

    gateway: Gateway  # without its last_state
    checked_version: int | None
    error: str | None
    missing: bool
    differing_chains: list[dict]  # the group's entries of the check's differing_chains


# Each gateway's last check, narrowed to one group by the database: a check of a gateway out of sync at ten thousand
# groups holds megabytes of differing chains, which a group page must not parse whole for each gateway. Each part is
# an expression of the stored state (`{state}`) and the group's name (`%s`).
_GATEWAY_GROUP_STATE_SQL = {
    "sqlite": {
        "checked_version": "json_extract({state}, '$.config_version')",
        "error": "json_extract({state}, '$.error')",
        "missing": "EXISTS (SELECT 1 FROM json_each({state}, '$.missing_models') m WHERE m.value = %s)",
        "chains": """(SELECT json_group_array(json(c.value)) FROM json_each({state}, '$.differing_chains') c
                     WHERE json_extract(c.value, '$.model') = %s)""",
    },
    "postgresql": {
        "checked_version": "{state} ->> 'config_version'",
        "error": "{state} ->> 'error'",
        "missing": "COALESCE({state} -> 'missing_models' @> jsonb_build_array(%s::text), false)",
        "chains": """(SELECT COALESCE(jsonb_agg(c.value), '[]'::jsonb)
                     FROM jsonb_array_elements(COALESCE({state} -> 'differing_chains', '[]'::jsonb)) c
                     WHERE c.value ->> 'model' = %s)::text""",
    },
}
_GATEWAY_GROUP_STATE_FIELDS = {
    "checked_version": TextField(),  # a number in SQLite, text in PostgreSQL: _whole_number reads both
    "error": TextField(),
    "missing": BooleanField(),
    "chains": TextField(),
}


def _whole_number(value) -> int | None:
    """A stored check's version as a number, None when it is none (a check kept by an older release, say)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdecimal() else None


def gateway_states_of_group(name: str) -> list[GatewayGroupState]:
    """Every gateway (by name) with what its last drift check said about the group `name`. One query, whatever the
    size of the checks."""
    state = f"{connection.ops.quote_name(Gateway._meta.db_table)}.{connection.ops.quote_name('last_state')}"
    parts = _GATEWAY_GROUP_STATE_SQL[connection.vendor]
    gateways = Gateway.objects.defer("last_state").annotate(
        **{
            part: RawSQL(parts[part].format(state=state), [name] * parts[part].count("%s"), output_field=field)
            for part, field in _GATEWAY_GROUP_STATE_FIELDS.items()
        }
    )
    return [
        GatewayGroupState(
            gateway=gateway,
            checked_version=_whole_number(gateway.checked_version),
            error=gateway.error,
            missing=bool(gateway.missing),
            differing_chains=json.loads(gateway.chains) if gateway.chains else [],
        )
        for gateway in gateways.order_by("name")
    ]


def gateway_document(gateway: Gateway) -> dict:
    """A gateway as the API shows it: its key only as the `os.environ/NAME` reference it is stored as."""
    document = {field: getattr(gateway, field) for field in GATEWAY_DOCUMENT_FIELDS}
    for field in ("created_at", "last_checked_at"):
        if document[field] is not None:
            document[field] = document[field].isoformat().replace("+00:00", "Z")
    return document
