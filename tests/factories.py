"""Plain helpers shared by the tests: snapshots, bulk data, page readers, API and command shortcuts.

Test modules import what they share from here, never from one another; fixtures are in conftest.py.
"""

import random
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import yaml
from django.core.management import call_command
from django.urls import reverse

from fallbacks import errors, queries
from fallbacks.api.listings import LISTINGS
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from fallbacks.lint import GroupFacts, LintContext
from fallbacks.models import (
    ApiKey,
    ChangeRecord,
    ConfigChange,
    Configuration,
    Deployment,
    FallbackEntry,
    ModelGroup,
    SecurityEvent,
)

ACTOR = "tests"
REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "litellm_config.yaml"  # a LiteLLM proxy config, every section


def database_snapshot() -> dict:
    """Every row this app stores, to show that a refused write changed nothing."""
    return {
        model.__name__: sorted(model.objects.values_list(), key=repr)
        for model in (
            ModelGroup,
            Deployment,
            FallbackEntry,
            Configuration,
            ChangeRecord,
            ConfigChange,
            ApiKey,
            SecurityEvent,
        )
    }


# --- data in bulk, for query counts ---------------------------------------------------------------------------


def forget_kept() -> None:
    """Drop what this process keeps per configuration stamp (the listings, the cycles the group pages settled): data
    made through the ORM is written behind the services' back, which leave the stamp as it was."""
    LISTINGS.clear()
    queries.CYCLES.clear()


def load(count: int) -> None:
    """`count` groups, each with a deployment and a three-target chain of every type, plus `*` chains."""

    def ring(index: int, groups: list[ModelGroup]) -> list[ModelGroup]:
        targets = [groups[(index + step) % count] for step in (1, 2, 3)]
        return [target for target in dict.fromkeys(targets) if target != groups[index]]

    _load_chains("model", count, ring)


def _load_chains(prefix: str, count: int, targets_of) -> None:
    """`count` groups named `<prefix>-00000` on, each with a deployment and, for every type, the chain
    `targets_of(index, groups)`; the `*` chains of every type name the first group."""
    names = [f"{prefix}-{index:05d}" for index in range(count)]
    ModelGroup.objects.bulk_create(ModelGroup(name=name, owned_by="openai") for name in names)
    groups = list(ModelGroup.objects.order_by("name"))
    Deployment.objects.bulk_create(
        Deployment(model_group=group, litellm_params={"model": f"openai/{group.name}"}) for group in groups
    )
    entries = []
    for index, group in enumerate(groups):
        targets = targets_of(index, groups)
        for fallback_type in FALLBACK_TYPES.values():
            entries += [
                FallbackEntry(source=group, fallback_type=fallback_type, position=position, target=target)
                for position, target in enumerate(targets)
            ]
    for fallback_type in FALLBACK_TYPES.values():
        entries.append(FallbackEntry(source=None, fallback_type=fallback_type, position=0, target=groups[0]))
    FallbackEntry.objects.bulk_create(entries)
    forget_kept()


# --- the admin's pages, read and posted as a browser would -------------------------------------------------------


class FormReader(HTMLParser):
    """The values a browser would submit from the page's main form (the admin's change form)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.in_template = 0
        self.select: str | None = None
        self.textarea: str | None = None
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form:
            return
        if tag == "template":  # the empty row that the "add" button copies: not submitted
            self.in_template += 1
        if self.in_template:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[name] = attrs.get("value") or "on"
            else:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self.textarea and not self.in_template:
            self.data[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "template" and self.in_form:
            self.in_template -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            if self.textarea:
                self.data[self.textarea] = unescape(self.data[self.textarea]).removeprefix("\n")
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def form_data(response, form_id: str) -> dict[str, str]:
    assert response.status_code == 200, response.status_code
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no form {form_id} on the page"
    return reader.data


def change_url(group: ModelGroup) -> str:
    return reverse("admin:fallbacks_modelgroup_change", args=[group.pk])


def add_deployment(data: dict, litellm_params: str, model_info: str = "{}") -> int:
    index = int(data["deployments-TOTAL_FORMS"])
    data["deployments-TOTAL_FORMS"] = str(index + 1)
    data.update(
        {
            f"deployments-{index}-position": str(index),
            f"deployments-{index}-litellm_params": litellm_params,
            f"deployments-{index}-model_info": model_info,
        }
    )
    return index


# --- the API ------------------------------------------------------------------------------------------------------

# The model groups of the API tests' `groups` fixture (tests/api/conftest.py): names with `/`, `.` and `:`.
API_GROUPS = ("gpt-4o", "claude-3-haiku", "openrouter/gpt-4", "bedrock/anthropic.claude-v2:1")
ALL_NAMES = sorted(API_GROUPS)


def post_chain(api, model, fallback_models, fallback_type=None):
    """`POST /fallback` with `api`, the body as a LiteLLM client sends it (no fallback_type unless given)."""
    body = {"model": model, "fallback_models": fallback_models}
    if fallback_type is not None:
        body["fallback_type"] = fallback_type
    return api.post("/fallback", body, format="json")


# --- a deployment's litellm_params and model_info: plain JSON data, at every door ---------------------------------

# (JSON text as an operator types it in the admin, where the problem is, the reason)
NOT_PLAIN_JSON = [
    ('{"model": "openai/gpt-4o", "note": "a\\u0000b"}', "{}", "litellm_params.note", errors.JSON_NUL),
    ('{"model": "openai/gpt-4o", "rpm": NaN}', "{}", "litellm_params.rpm", errors.JSON_NOT_FINITE),
    ('{"model": "openai/gpt-4o", "tpm": -Infinity}', "{}", "litellm_params.tpm", errors.JSON_NOT_FINITE),
    ('{"model": "openai/gpt-4o"}', '{"a\\u0000": 1}', "model_info", errors.JSON_NUL + " in a key"),
    ('{"model": "openai/gpt-4o"}', '{"tags": ["ok", "\\ud800"]}', "model_info.tags[1]", errors.JSON_SURROGATE),
]


# --- LiteLLM config files through the import_config and export_config commands -----------------------------------


def run(*args, stdin: str | None = None) -> str:
    """Run a management command (`run("import_config", path)`) and return what it printed."""
    out, err = StringIO(), StringIO()
    streams = {"stdin": StringIO(stdin)} if stdin is not None else {}
    call_command(*args, stdout=out, stderr=err, **streams)
    return out.getvalue()


def export(fmt: str = "yaml") -> str:
    return run("export_config", "--format", fmt)


def import_text(text: str, *args: str) -> str:
    return run("import_config", "-", *args, stdin=text)


def dump(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False)


# Files that used to crash the reader: a RecursionError, or libyaml's composer overflowing the C stack.
DEEP = 100_000
DEEP_FILES = {
    "yaml-flow": ("model_list: " + "[" * DEEP + "]" * DEEP, "line 1, column 76"),
    "yaml-block": (
        "model_list:\n" + "".join("  " * level + "- k:\n" for level in range(1, 3000)),
        "line 33, column 67",
    ),
    "json": ('{"model_list": ' + "[" * DEEP + "]" * DEEP + "}", "line 1, column 79"),
}


# Random chain graphs for the equivalence tests: small name pools that spell each other (`openai/e` and `e`,
# `gpt-4o` and `openai/gpt-4o`, a name with its provider twice), `*` chains, every type, cycles, long chains.

RANDOM_NAMES = ["a", "b", "c", "d", "e", "openai/e", "gpt-4o", "openai/gpt-4o", "azure/x", "azure/azure/x", "f", "g"]
RANDOM_SERIES = ["1.110", "1.109"]


def random_chains(
    rng: random.Random, names: list[str] = RANDOM_NAMES, default_chance: float = 0.15
) -> dict[tuple[str, str], list[str]]:
    chains = {}
    density = rng.choice([0.1, 0.3, 0.6])
    for fallback_type in FALLBACK_TYPES.values():
        if rng.random() < 0.15:
            continue  # no chain of this type at all
        for source in [DEFAULT_CHAIN_SOURCE, *names]:
            if rng.random() < (default_chance if source == DEFAULT_CHAIN_SOURCE else density):
                others = [name for name in names if name != source]
                targets = rng.sample(others, k=min(rng.choice([1, 1, 2, 3, 4]), len(others)))
                chains[(source, fallback_type)] = targets
    return chains


def random_context(rng: random.Random, default_chance: float = 0.15) -> LintContext:
    names = rng.sample(RANDOM_NAMES, k=rng.randint(3, len(RANDOM_NAMES)))
    chains = random_chains(rng, names, default_chance)
    with_deployments = rng.random() < 0.5
    groups = {
        name: GroupFacts(
            max_input_tokens=rng.choice([None, 1000, 2000, 4000]),
            deployments=int(with_deployments and rng.random() < 0.8),
        )
        for name in names
    }
    configured = rng.choice(RANDOM_SERIES)
    return LintContext(
        chains=chains,
        groups=groups,
        max_fallbacks=rng.choice([0, 1, 2, 3, 5]),
        series=rng.choice(RANDOM_SERIES) if rng.random() < 0.3 else configured,
        configured_series=configured,
    )


def stored_random_contexts(seed: int, count: int) -> Iterator[tuple[random.Random, LintContext]]:
    """`count` random configurations (random_context), each stored in turn (store_context) before it is yielded, with
    the generator that made them, for the test's own draws."""
    rng = random.Random(seed)
    for _ in range(count):
        context = random_context(rng)
        store_context(context)
        yield rng, context


def store_context(context: LintContext) -> None:
    """Make the database hold exactly `context`'s configuration: its groups (with their facts), chains and settings."""
    FallbackEntry.objects.all().delete()
    Deployment.objects.all().delete()
    ModelGroup.objects.all().delete()
    groups = {
        name: ModelGroup(name=name, max_input_tokens=facts.max_input_tokens) for name, facts in context.groups.items()
    }
    ModelGroup.objects.bulk_create(groups.values())
    groups = {group.name: group for group in ModelGroup.objects.all()}
    Deployment.objects.bulk_create(
        Deployment(model_group=groups[name], litellm_params={"model": f"openai/{name}"})
        for name, facts in context.groups.items()
        for _ in range(facts.deployments)
    )
    FallbackEntry.objects.bulk_create(
        FallbackEntry(
            source=None if source == DEFAULT_CHAIN_SOURCE else groups[source],
            fallback_type=fallback_type,
            position=position,
            target=groups[target],
        )
        for (source, fallback_type), targets in context.chains.items()
        for position, target in enumerate(targets)
    )
    Configuration.objects.update_or_create(
        pk=Configuration.SINGLETON_ID,
        defaults={"max_fallbacks": context.max_fallbacks, "litellm_version": context.configured_series},
    )
    forget_kept()


def load_fleet(count: int) -> None:
    """`count` groups in families of ten, each with a deployment: in a family every group falls back to the next
    three of its family (no cycles), with chains of every type; `*` chains of every type name `fleet-00000`.
    Unlike load()'s ring, what a chain reaches does not grow with `count`."""

    def family(index: int, groups: list[ModelGroup]) -> list[ModelGroup]:
        family_end = (index // 10 + 1) * 10
        return [groups[other] for other in range(index + 1, min(index + 4, family_end, count))]

    _load_chains("fleet", count, family)
    Configuration.objects.get_or_create(pk=Configuration.SINGLETON_ID)
