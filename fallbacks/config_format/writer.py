"""Writing a configuration as a LiteLLM proxy config the proxy accepts as is. No ORM here.

`emit_config()` turns a `ConfigData` into text in an order that depends only on the data (two
exports of the same data are byte-identical).
"""

import json
from collections.abc import Mapping

import yaml

from fallbacks.config_format.data import (
    MAX_FALLBACKS_KEY,
    PLACEHOLDER_KEY,
    PLACEHOLDER_PROVIDER,
    ConfigData,
    ConfigFormat,
    GroupData,
)
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES


def _ordered(mapping: Mapping, first: tuple[str, ...] = ()) -> dict:
    """Keys in an order that depends only on the data (PostgreSQL's jsonb does not keep the given one)."""
    keys = [key for key in first if key in mapping] + sorted(key for key in mapping if key not in first)
    return {key: _ordered_value(mapping[key]) for key in keys}


def _ordered_value(value: object) -> object:
    if isinstance(value, dict):
        return _ordered(value)
    if isinstance(value, list):
        return [_ordered_value(item) for item in value]
    return value


def _group_info(group: GroupData) -> dict:
    info: dict = {"owned_by": group.owned_by}
    if group.description:
        info["description"] = group.description
    if group.max_input_tokens is not None:
        info["max_input_tokens"] = group.max_input_tokens
    return info


def config_document(data: ConfigData) -> dict:
    """The LiteLLM proxy config of `data`, as a plain dict in its final order."""
    model_list = []
    for name in sorted(data.groups):
        group = data.groups[name]
        group_info = _group_info(group)
        if not group.deployments:
            model_list.append(
                {
                    "model_name": name,
                    "litellm_params": {"model": f"{PLACEHOLDER_PROVIDER}/{name}"},
                    "model_info": _ordered({**group_info, PLACEHOLDER_KEY: True}),
                }
            )
        for deployment in group.deployments:
            model_list.append(
                {
                    "model_name": name,
                    "litellm_params": _ordered(deployment.litellm_params, first=("model",)),
                    "model_info": _ordered({**deployment.model_info, **group_info}),
                }
            )
    router_settings: dict = {}
    for kind in FALLBACK_TYPES:
        fallback_type, key = kind.value, kind.config_key
        sources = sorted(
            (source for source, chain_type in data.chains if chain_type == fallback_type),
            key=lambda source: (source != DEFAULT_CHAIN_SOURCE, source),
        )
        router_settings[key] = [{source: list(data.chains[(source, fallback_type)])} for source in sources]
    router_settings[MAX_FALLBACKS_KEY] = data.max_fallbacks
    return {"model_list": model_list, "router_settings": router_settings}


def emit_config(data: ConfigData, *, fmt: ConfigFormat | str = ConfigFormat.YAML) -> str:
    """The text of the export: byte-identical for the same data."""
    document = config_document(data)
    if ConfigFormat(fmt) == ConfigFormat.JSON:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(
        document, Dumper=_YAML_DUMPER, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1_000_000
    )


# libyaml's dumper is many times faster at ten thousand model groups; the pure-Python one writes the
# same text where libyaml is missing.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
