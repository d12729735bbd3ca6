"""Write fallbacks/litellm_names/litellm-<release>.json from the LiteLLM wheel installed beside this interpreter.

Run it with each oracle environment's python (`make litellm-names` runs it for every pinned release):

    .venv-oracle/bin/python scripts/generate_litellm_names.py
    .venv-oracle-1.110/bin/python scripts/generate_litellm_names.py

With `--check` it writes nothing and exits 1 when the committed file differs from what it would write
(tests/conformance runs that for every pinned release).

It reads what LiteLLM's fallback lookup uses to match a model with a rule keyed by another spelling of
its name (PRODUCT.md section 2): the provider list it strips, and its provider inference for bare names
(`inferred_provider`). The inference is mostly data (model lists, the cost map, the cost map's routing
rules), copied as it is; a few rules live in LiteLLM's code, listed in CODE_RULES below. Before writing,
the script asks the real `inferred_provider` about every known name and about a few thousand made-up
ones, and compares with what fallbacks.litellm_names answers from the data: any difference (a release
that changed its code rules) stops it with the names that differ, and nothing is written.
"""

import importlib.metadata
import json
import os
import random
import string
import sys
from enum import Enum
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # the wheel's own cost map, never the network
os.environ.setdefault("LITELLM_TELEMETRY", "False")

import litellm
from litellm.constants import REPLICATE_MODEL_NAME_WITH_ID_LENGTH
from litellm.litellm_core_utils import fallback_generalizations
from litellm.litellm_core_utils.get_llm_provider_logic import inferred_provider

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fallbacks.litellm_names import (  # noqa: E402
    CONTAINS,
    PREFIX,
    REPLICATE_VERSION,
    ProviderNames,
    data_file,
)

# `_get_llm_provider`'s rules for a bare name that is in none of its lists, in its order (after the
# lists, before the cost map's routing rules). Checked below against the wheel, never trusted.
CODE_RULES = [
    {"kind": CONTAINS, "text": "ft:gpt-3.5-turbo", "provider": "openai"},
    {"kind": CONTAINS, "text": "ft:gpt-4", "provider": "openai"},
    {"kind": PREFIX, "text": "gpt-image", "provider": "openai"},
    {"kind": REPLICATE_VERSION, "length": REPLICATE_MODEL_NAME_WITH_ID_LENGTH, "provider": "replicate"},
    {"kind": PREFIX, "text": "amazon_nova", "provider": "amazon_nova"},
]
PROBES_PER_KNOWN_NAME = 3
SEED = 110


def provider_list() -> list[str]:
    """The providers the fallback lookup strips: `litellm.provider_list` (1.109), which the Rust core of
    1.110 receives as `LlmProviders` (checked to be the same list)."""
    providers = [provider.value if isinstance(provider, Enum) else provider for provider in litellm.provider_list]
    try:
        from litellm.router_rust import core
    except ImportError:
        pass
    else:
        if list(core._PROVIDERS) != providers:
            sys.exit("the Rust core's provider list differs from litellm.provider_list: read it from there instead")
    if any("/" in provider for provider in providers):
        sys.exit("a provider name holds '/': a model could then strip to two names, which the data cannot say")
    return providers


def bare_names(providers: list[str]) -> set[str]:
    """Every bare name the wheel knows: its cost map, every `*_models` list of the litellm module, the providers."""
    names = {name for name in litellm.model_cost if "/" not in name}
    for attribute in dir(litellm):
        value = getattr(litellm, attribute, None)
        if attribute.endswith(("_models", "_models_set")) and isinstance(value, list | set | tuple | frozenset):
            names.update(name for name in value if isinstance(name, str) and "/" not in name)
    names.update(providers)
    names.discard("")
    return names


def routing_rules() -> list[dict]:
    return [
        {"pattern": rule.pattern.pattern, "provider": rule.provider}
        for rule in fallback_generalizations._registry.routing_rules
    ]


def probe_names(known: set[str]) -> list[str]:
    """Made-up bare names around the known ones and every code rule: what the data must also get right."""
    rng = random.Random(SEED)
    version_id = "".join(rng.choice("0123456789abcdef") for _ in range(REPLICATE_MODEL_NAME_WITH_ID_LENGTH))
    probes = [
        "ft:gpt-4o:acme::x1",
        "my-ft:gpt-3.5-turbo-0613",
        "gpt-image-9",
        "amazon_nova-pro-v9",
        f"meta-llama-3:{version_id}",
        f"amazon_nova-x:{version_id}",
        f"amazon_nova-{'y' * 70}:z",
        f"{'w' * 70}:short",
        "claude-sonnet-9-1",
        "claude-opus-5",
        "anthropic.claude-v9",
        "us.anthropic.claude-x",
        "jev-latest",
        "gpt-4o",
        "mistral",
        "m1",
        "model-00001",
        "lab-model-1:v1",
    ]
    for name in sorted(known):
        for _ in range(PROBES_PER_KNOWN_NAME):
            cut = rng.randint(1, len(name))
            tail = "".join(rng.choice(string.ascii_lowercase + string.digits + "-.:") for _ in range(rng.randint(0, 6)))
            probes.append(rng.choice([name[:cut] + tail, tail + name, name + tail, name.upper()]))
    return [name for name in dict.fromkeys(probes) if name and "/" not in name]


def main() -> int:
    litellm.suppress_debug_info = True  # get_llm_provider prints a banner for every name it cannot place
    release = importlib.metadata.version("litellm")
    providers = provider_list()
    names = bare_names(providers)
    document = {
        "about": (
            f"LiteLLM {release}'s provider names, as its fallback lookup uses them. Written by "
            "scripts/generate_litellm_names.py from the installed wheel: regenerate, never edit."
        ),
        "release": release,
        "providers": providers,
        "known_models": {name: inferred_provider(name) for name in sorted(names)},
        "code_rules": CODE_RULES,
        "routing_rules": routing_rules(),
    }
    data = ProviderNames.from_document(document)
    probes = probe_names(names)
    differences = [
        (name, real, ours)
        for name in probes
        if (real := inferred_provider(name)) != (ours := data.inferred_provider(name))
    ]
    if differences:
        shown = "\n".join(f"  {name!r}: LiteLLM {real!r}, the data {ours!r}" for name, real, ours in differences[:20])
        print(
            f"LiteLLM {release} infers providers differently from its data for {len(differences)} of "
            f"{len(probes)} made-up names (update CODE_RULES):\n{shown}",
            file=sys.stderr,
        )
        return 1
    target = data_file(release)
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if "--check" in sys.argv[1:]:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(
                f"{target.relative_to(ROOT)} is not what LiteLLM {release} says: run `make litellm-names`",
                file=sys.stderr,
            )
            return 1
        print(f"{target.relative_to(ROOT)} is current")
        return 0
    target.write_text(text, encoding="utf-8")
    print(
        f"wrote {target.relative_to(ROOT)}: {len(providers)} providers, {len(names)} known names, "
        f"{len(probes)} made-up names agree"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
