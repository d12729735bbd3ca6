"""LiteLLM proxy config files <-> plain data (PRODUCT.md section 6). No ORM here.

Reading: `parse_config()` turns the text of a config (YAML or JSON) into a `ParsedConfig`, reading
fallbacks from every place LiteLLM 1.109.1 reads them, and lists by location everything it refuses
or cannot model. `check_chains()` then applies the API's own chain rules (fallbacks.validation)
against the model groups that will exist. `desired_config()` and `diff_configs()` work out what an
import in either mode changes, as plain data, so a dry run never needs to write.

Writing: `emit_config()` turns a `ConfigData` into a document the LiteLLM proxy accepts as is, in
an order that depends only on the data (two exports of the same data are byte-identical).

How the data of this service sits in the format:
- every deployment is a `model_list` entry; its `litellm_params` and `model_info` are kept as given;
- a model group's own fields ride in its entries' `model_info` (`owned_by`, `description`,
  `max_input_tokens`; LiteLLM already reads `max_input_tokens` from there and ignores the others);
- a model group without deployments still needs an entry, or LiteLLM could not load the file:
  it gets one marked `model_info.placeholder: true`, whose `litellm_params` are not stored.
"""

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import yaml

from fallbacks import validation
from fallbacks.validation import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, FallbackType, RuleViolation

# LiteLLM's own default (litellm.ROUTER_MAX_FALLBACKS), and the Configuration model's.
DEFAULT_MAX_FALLBACKS = 5
DEFAULT_OWNED_BY = validation.DEFAULT_OWNED_BY

# What a file may be, checked before it is parsed. A LiteLLM config nests fewer than 10 levels deep,
# and a 10,000-group one is about 3 MB and 240,000 values; YAML aliases are counted each time they
# are used, so that a small file cannot expand into millions of values (an "alias bomb").
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_DEPTH = validation.MAX_JSON_DEPTH
MAX_DOCUMENT_VALUES = 1_000_000

# Where LiteLLM keeps each type's rules: router_settings first, then litellm_settings.
RULE_KEYS: dict[str, str] = {
    FallbackType.GENERAL.value: "fallbacks",
    FallbackType.CONTEXT_WINDOW.value: "context_window_fallbacks",
    FallbackType.CONTENT_POLICY.value: "content_policy_fallbacks",
}
DEFAULT_FALLBACKS_KEY = "default_fallbacks"
MAX_FALLBACKS_KEY = "max_fallbacks"
SETTINGS_SECTIONS = ("router_settings", "litellm_settings")
FALLBACK_KEYS = frozenset({*RULE_KEYS.values(), DEFAULT_FALLBACKS_KEY, MAX_FALLBACKS_KEY})

GROUP_FIELDS_IN_MODEL_INFO = ("owned_by", "description", "max_input_tokens")
PLACEHOLDER_KEY = "placeholder"
PLACEHOLDER_PROVIDER = "openai"  # LiteLLM accepts any model name under `openai/`, whatever the group is

# Messages of the importer. The chain rules' own messages come from fallbacks.validation.
UNKNOWN_MODEL = "unknown model '{model}'"
PLAIN_TEXT_SECRET = "plain-text secret, use os.environ/NAME"
NOT_UTF8 = "the file is not UTF-8 text"
NOT_A_MAPPING = "expected a mapping (key: value), got {kind}"
NOT_A_LIST = "expected a list, got {kind}"
EMPTY_DOCUMENT = "the file is empty: expected a LiteLLM config with model_list and router_settings"
REQUIRED = "required"
NOT_A_STRING = "expected a string, got {kind}"
NOT_JSON_DATA = "not plain JSON data: {reason}"
DOCUMENT_TOO_LARGE = f"the file is larger than {MAX_DOCUMENT_BYTES // 2**20} MB"
DOCUMENT_TOO_DEEP = f"nested deeper than {MAX_DOCUMENT_DEPTH} levels ({{where}})"
DOCUMENT_TOO_MANY_VALUES = f"more than {MAX_DOCUMENT_VALUES:,} values once YAML aliases are expanded ({{where}})"
NESTED_TOO_DEEPLY = "nested too deeply to be read"
RECURSIVE_ALIAS = "the alias *{anchor} is inside the node it names, a structure JSON cannot hold ({where})"
NOT_UNICODE_TEXT = "a lone surrogate (such as \\ud800) is not Unicode text"
BARE_STRING_RULE = (
    'a bare model name: LiteLLM would try it after every model; not modelled, write {{"*": ["{model}"]}} instead'
)
OVERRIDE_RULE = (
    'a fallback with request parameters ({{"model": ..., "messages": ...}}) is not modelled: only model names'
)
RULE_NOT_ONE_KEY = "a rule maps exactly one model to its list of fallbacks, this one has {count} keys"
TARGET_NOT_A_NAME = "a fallback with request parameters is not modelled: only model names"
DUPLICATE_RULE = "a second, different chain for '{model}' ({fallback_type}); the first is at {first}"
NOT_MODELLED_HERE = "fallbacks set here are not modelled (only router_settings and litellm_settings ones are)"
DEFAULT_FALLBACKS_NOT_LIST = "default_fallbacks must be a list of model names"
GROUP_FIELD_CONFLICT = "'{value}' differs from '{first}' given for '{model}' at {location}"
BAD_DESCRIPTION = "description must be a string"
BAD_PLACEHOLDER = "placeholder must be true or absent"
IGNORED_SETTING = "ignored: this service keeps model_list and fallbacks only"
SHADOWED_SETTING = "ignored: router_settings.{key} takes precedence, as in LiteLLM"
ORPHAN_MAX_FALLBACKS = "ignored: router_settings.max_fallbacks takes precedence, as in LiteLLM"


class ImportMode(StrEnum):
    MERGE = "merge"  # what the file names is set, everything else is kept
    REPLACE = "replace"  # the configuration becomes exactly the file


class ConfigFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


@dataclass(frozen=True)
class Problem:
    """Something in the file, at `location` (`router_settings.fallbacks[3]`), refused or ignored."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class DeploymentData:
    litellm_params: dict
    model_info: dict = field(default_factory=dict)


@dataclass
class GroupData:
    name: str
    owned_by: str = DEFAULT_OWNED_BY
    description: str = ""
    max_input_tokens: int | None = None
    deployments: list[DeploymentData] = field(default_factory=list)


@dataclass
class ConfigData:
    """A whole configuration as plain data: what an export writes and an import makes."""

    groups: dict[str, GroupData] = field(default_factory=dict)
    chains: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (source or "*", type) -> targets
    max_fallbacks: int = DEFAULT_MAX_FALLBACKS
    version: int | None = field(default=None, compare=False)  # the config version it was read at, when known


@dataclass
class GroupSpec:
    """A model group as a file gives it: `fields` holds only the group fields the file sets."""

    name: str
    location: str
    fields: dict = field(default_factory=dict)
    field_locations: dict = field(default_factory=dict)
    inferred_owned_by: str = DEFAULT_OWNED_BY
    deployments: list[DeploymentData] = field(default_factory=list)


@dataclass
class ChainSpec:
    targets: list[str]
    location: str


@dataclass
class ParsedConfig:
    groups: dict[str, GroupSpec] = field(default_factory=dict)
    chains: dict[tuple[str, str], ChainSpec] = field(default_factory=dict)
    max_fallbacks: int | None = None
    problems: list[Problem] = field(default_factory=list)  # refused: the import cannot go ahead
    notices: list[Problem] = field(default_factory=list)  # ignored, said so, harmless


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


# ---------------------------------------------------------------------------------------------
# Reading


def load_document(text: str | bytes) -> tuple[object, list[Problem]]:
    """The file's data; JSON when it starts with `{`, YAML otherwise (YAML being how LiteLLM documents it).

    A file too large, nested too deeply, or whose YAML aliases expand too far is refused before it
    is parsed: parsers recurse (libyaml's composer in C, where a deep enough file crashes the process).
    """
    try:
        size = len(text) if isinstance(text, bytes) else len(text.encode())
    except UnicodeEncodeError:  # text handed over by a caller, not read from a file
        return None, [Problem("file", NOT_UNICODE_TEXT)]
    if size > MAX_DOCUMENT_BYTES:
        return None, [Problem("file", DOCUMENT_TOO_LARGE)]
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [Problem("file", NOT_UTF8)]
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        offset = validation.json_text_nesting(text, MAX_DOCUMENT_DEPTH)
        if offset is not None:
            return None, [Problem("file", DOCUMENT_TOO_DEEP.format(where=_text_position(text, offset)))]
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            return None, [Problem(f"line {error.lineno}, column {error.colno}", error.msg)]
    else:
        problem = _yaml_shape_problem(text)
        if problem:
            return None, [problem]
        try:
            document = yaml.load(text, Loader=_YAML_LOADER)
        except yaml.YAMLError as error:
            return None, [_yaml_error_problem(error)]
    if not _is_unicode_text(document):
        return None, [Problem("file", NOT_UNICODE_TEXT)]
    return document, []


def _text_position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _mark_position(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _yaml_error_problem(error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    where = _mark_position(mark) if mark is not None else "file"
    reason = getattr(error, "problem", None) or str(error)
    return Problem(where, reason)


_COLLECTION_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _yaml_shape_problem(text: str) -> Problem | None:
    """Refuse YAML nested too deeply, or expanding (aliases counted at each use) to too many values.

    Reads the parser's events, which build nothing and never recurse. An anchored node's expanded
    size is known when it ends and kept by anchor name, so each alias costs one look-up: the work
    is proportional to the text, however far its aliases would expand.
    """
    expanded = 0  # values so far, each alias counted as the whole node it names
    anchored: dict[str, int] = {}  # anchor -> expanded size of its node
    open_nodes: list[tuple[int, str | None]] = []  # (`expanded` at its start, its anchor)
    open_anchors: set[str] = set()
    try:
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            if isinstance(event, yaml.ScalarEvent):
                expanded += 1
                if event.anchor is not None:
                    anchored[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    where = _mark_position(event.start_mark)
                    return Problem("file", RECURSIVE_ALIAS.format(anchor=event.anchor, where=where))
                expanded += anchored.get(event.anchor, 1)  # an unknown anchor is the loader's to report
            elif isinstance(event, _COLLECTION_STARTS):
                if len(open_nodes) >= MAX_DOCUMENT_DEPTH:
                    return Problem("file", DOCUMENT_TOO_DEEP.format(where=_mark_position(event.start_mark)))
                open_nodes.append((expanded, event.anchor))
                expanded += 1
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
            elif isinstance(event, _COLLECTION_ENDS):
                start, anchor = open_nodes.pop()
                if anchor is not None:
                    anchored[anchor] = expanded - start
                    open_anchors.discard(anchor)
            else:
                continue
            if expanded > MAX_DOCUMENT_VALUES:
                return Problem("file", DOCUMENT_TOO_MANY_VALUES.format(where=_mark_position(event.start_mark)))
    except yaml.YAMLError as error:
        return _yaml_error_problem(error)
    return None


def _is_unicode_text(document: object) -> bool:
    """False when a string holds a lone surrogate (JSON's `\\ud800`), which no database can store."""
    try:
        json.dumps(document, ensure_ascii=False, skipkeys=True, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_config(text: str | bytes) -> ParsedConfig:
    """Everything the file says about model groups and fallbacks, and every problem with its location."""
    try:
        return _parse_config(text)
    except RecursionError:
        # load_document bounds the nesting, so this is not expected; a refusal still beats a crash.
        return ParsedConfig(problems=[Problem("file", NESTED_TOO_DEEPLY)])


def _parse_config(text: str | bytes) -> ParsedConfig:
    parsed = ParsedConfig()
    document, problems = load_document(text)
    parsed.problems.extend(problems)
    if problems:
        return parsed
    if document is None:
        parsed.problems.append(Problem("file", EMPTY_DOCUMENT))
        return parsed
    if not isinstance(document, dict):
        parsed.problems.append(Problem("file", NOT_A_MAPPING.format(kind=_kind(document))))
        return parsed
    for key in document:
        if key not in ("model_list", *SETTINGS_SECTIONS):
            parsed.notices.append(Problem(validation.key_location("", str(key)), IGNORED_SETTING))
    _read_model_list(document.get("model_list"), parsed)
    sections = {}
    for section in SETTINGS_SECTIONS:
        value = document.get(section)
        if value is not None and not isinstance(value, dict):
            parsed.problems.append(Problem(section, NOT_A_MAPPING.format(kind=_kind(value))))
            value = None
        sections[section] = value or {}
    _read_settings(sections, parsed)
    _refuse_fallbacks_elsewhere(document, parsed)
    return parsed


def _read_model_list(model_list: object, parsed: ParsedConfig) -> None:
    if model_list is None:
        return
    if not isinstance(model_list, list):
        parsed.problems.append(Problem("model_list", NOT_A_LIST.format(kind=_kind(model_list))))
        return
    for index, entry in enumerate(model_list):
        _read_model_entry(entry, f"model_list[{index}]", parsed)


def _read_model_entry(entry: object, location: str, parsed: ParsedConfig) -> None:
    problems = parsed.problems
    if not isinstance(entry, dict):
        problems.append(Problem(location, NOT_A_MAPPING.format(kind=_kind(entry))))
        return
    if "model_name" not in entry:
        problems.append(Problem(f"{location}.model_name", REQUIRED))
        name = None
    else:
        try:
            name = validation.clean_group_name(entry["model_name"])
        except RuleViolation as error:
            problems.append(Problem(f"{location}.model_name", error.message))
            name = None

    litellm_params = entry.get("litellm_params")
    params_ok = False
    if litellm_params is None:
        problems.append(Problem(f"{location}.litellm_params", REQUIRED))
    elif not isinstance(litellm_params, dict):
        problems.append(Problem(f"{location}.litellm_params", NOT_A_MAPPING.format(kind=_kind(litellm_params))))
    else:
        params_ok = _check_litellm_params(litellm_params, f"{location}.litellm_params", problems)

    model_info = entry.get("model_info", {})
    if model_info is None:
        model_info = {}
    info_ok = True
    if not isinstance(model_info, dict):
        problems.append(Problem(f"{location}.model_info", NOT_A_MAPPING.format(kind=_kind(model_info))))
        info_ok = False
    else:
        info_ok = _check_json_data(model_info, f"{location}.model_info", problems)

    if name is None:
        return
    group = parsed.groups.get(name)
    if group is None:
        # Known even when this entry is refused, so that rules naming it report only their own problems.
        provider = _provider_of(litellm_params) if params_ok else DEFAULT_OWNED_BY
        group = parsed.groups[name] = GroupSpec(name=name, location=location, inferred_owned_by=provider)
    if not params_ok or not info_ok:
        return
    model_info = dict(model_info)
    if not _read_group_fields(model_info, location, group, problems):
        return
    placeholder = model_info.pop(PLACEHOLDER_KEY, None)
    if placeholder is True:
        return  # a group without deployments: its entry exists only so that LiteLLM can load the file
    if placeholder is not None:
        problems.append(Problem(f"{location}.model_info.{PLACEHOLDER_KEY}", BAD_PLACEHOLDER))
        return
    group.deployments.append(DeploymentData(litellm_params=dict(litellm_params), model_info=model_info))


def _read_group_fields(model_info: dict, location: str, group: GroupSpec, problems: list[Problem]) -> bool:
    """Move the group's own fields out of `model_info`; they must agree across the group's entries."""
    fine = True
    for name in GROUP_FIELDS_IN_MODEL_INFO:
        if name not in model_info:
            continue
        value = model_info.pop(name)
        where = f"{location}.model_info.{name}"
        message = _group_field_problem(name, value)
        if message:
            problems.append(Problem(where, message))
            fine = False
        elif name in group.fields and group.fields[name] != value:
            problems.append(
                Problem(
                    where,
                    GROUP_FIELD_CONFLICT.format(
                        value=value, first=group.fields[name], model=group.name, location=group.field_locations[name]
                    ),
                )
            )
            fine = False
        elif name not in group.fields:
            group.fields[name] = value
            group.field_locations[name] = where
    return fine


def _group_field_problem(name: str, value: object) -> str | None:
    if name == "owned_by":
        # The API's rule, and a file is stored as written: surrounding white space is not trimmed away.
        try:
            return None if validation.clean_owned_by(value) == value else validation.BAD_OWNED_BY
        except RuleViolation:
            return validation.BAD_OWNED_BY
    if name == "description":
        return None if isinstance(value, str) and not validation.json_data_problem(value, "") else BAD_DESCRIPTION
    try:
        validation.clean_max_input_tokens(value)
    except RuleViolation as error:
        return error.message
    return None


def _provider_of(litellm_params: Mapping) -> str:
    """The provider a deployment calls, as LiteLLM names it: `custom_llm_provider`, else the model's prefix."""
    provider = litellm_params.get("custom_llm_provider")
    if isinstance(provider, str) and provider.strip() and not validation.has_control_characters(provider):
        return provider.strip()[:255]
    model = litellm_params.get("model")
    if isinstance(model, str) and "/" in model:
        prefix = model.split("/", 1)[0].strip()
        if prefix and not validation.has_control_characters(prefix):
            return prefix[:255]
    return DEFAULT_OWNED_BY


def _check_litellm_params(params: dict, location: str, problems: list[Problem]) -> bool:
    before = len(problems)
    model = params.get("model")
    if model is None:
        problems.append(Problem(f"{location}.model", REQUIRED))
    elif not isinstance(model, str) or not model.strip():
        problems.append(Problem(f"{location}.model", NOT_A_STRING.format(kind=_kind(model))))
    # The admin's deployment form refuses the same fields (one rule, fallbacks.validation).
    for secret in validation.secret_problems(params, location):
        problems.append(Problem(secret.field, PLAIN_TEXT_SECRET))
    _check_json_data(params, location, problems)
    return len(problems) == before


def _walk_mapping_items(
    value: object, location: str, *, skip: Collection[str] = ()
) -> Iterator[tuple[str, object, object]]:
    """Every `(location of the mapping, key, value)` in nested mappings and lists, not entering `skip`."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield location, key, item
            inner = validation.key_location(location, str(key))
            if inner not in skip:
                yield from _walk_mapping_items(item, inner, skip=skip)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_mapping_items(item, f"{location}[{index}]", skip=skip)


def _check_json_data(value: object, location: str, problems: list[Problem]) -> bool:
    """Data a JSON column stores and gives back unchanged, by the admin's own rule (fallbacks.validation)."""
    found = validation.json_data_problem(value, location)
    if found:
        problems.append(Problem(found.location, NOT_JSON_DATA.format(reason=found.reason)))
        return False
    return True


def _read_settings(sections: dict[str, dict], parsed: ParsedConfig) -> None:
    router, litellm_settings = sections["router_settings"], sections["litellm_settings"]
    for section, values in sections.items():
        for key in values:
            if key not in FALLBACK_KEYS:
                parsed.notices.append(Problem(validation.key_location(section, str(key)), IGNORED_SETTING))

    for fallback_type, key in RULE_KEYS.items():
        # LiteLLM: `router_settings.X or litellm.X`, so an empty router list defers to litellm_settings.
        section = "router_settings" if router.get(key) else "litellm_settings"
        if section == "router_settings" and litellm_settings.get(key) is not None:
            parsed.notices.append(Problem(f"litellm_settings.{key}", SHADOWED_SETTING.format(key=key)))
        _read_rules(sections[section].get(key), f"{section}.{key}", fallback_type, parsed)

    section = "router_settings" if router.get(DEFAULT_FALLBACKS_KEY) else "litellm_settings"
    if section == "router_settings" and litellm_settings.get(DEFAULT_FALLBACKS_KEY) is not None:
        parsed.notices.append(
            Problem(f"litellm_settings.{DEFAULT_FALLBACKS_KEY}", SHADOWED_SETTING.format(key=DEFAULT_FALLBACKS_KEY))
        )
    _read_default_fallbacks(sections[section].get(DEFAULT_FALLBACKS_KEY), f"{section}.{DEFAULT_FALLBACKS_KEY}", parsed)

    # LiteLLM: `max_fallbacks if max_fallbacks is not None else litellm.max_fallbacks`.
    section = "router_settings" if router.get(MAX_FALLBACKS_KEY) is not None else "litellm_settings"
    if section == "router_settings" and litellm_settings.get(MAX_FALLBACKS_KEY) is not None:
        parsed.notices.append(Problem(f"litellm_settings.{MAX_FALLBACKS_KEY}", ORPHAN_MAX_FALLBACKS))
    value = sections[section].get(MAX_FALLBACKS_KEY)
    if value is not None:
        try:
            parsed.max_fallbacks = validation.clean_max_fallbacks(value)
        except RuleViolation as error:
            parsed.problems.append(Problem(f"{section}.{MAX_FALLBACKS_KEY}", error.message))


def _read_rules(rules: object, location: str, fallback_type: str, parsed: ParsedConfig) -> None:
    if rules is None:
        return
    if not isinstance(rules, list):
        parsed.problems.append(Problem(location, NOT_A_LIST.format(kind=_kind(rules))))
        return
    for index, rule in enumerate(rules):
        where = f"{location}[{index}]"
        if isinstance(rule, str):
            parsed.problems.append(Problem(where, BARE_STRING_RULE.format(model=rule)))
            continue
        if not isinstance(rule, dict):
            parsed.problems.append(Problem(where, NOT_A_MAPPING.format(kind=_kind(rule))))
            continue
        if _is_request_override(rule):
            parsed.problems.append(Problem(where, OVERRIDE_RULE))
            continue
        if len(rule) != 1:
            parsed.problems.append(Problem(where, RULE_NOT_ONE_KEY.format(count=len(rule))))
            continue
        ((source, targets),) = rule.items()
        _add_chain(source, targets, where, fallback_type, parsed)


def _is_request_override(rule: dict) -> bool:
    """LiteLLM's non-standard format: `{"model": "x", "messages": [...]}`, request parameters, not a rule."""
    return "model" in rule and not isinstance(rule["model"], list)


def _read_default_fallbacks(targets: object, location: str, parsed: ParsedConfig) -> None:
    if targets is None:
        return
    if not isinstance(targets, list):
        parsed.problems.append(Problem(location, DEFAULT_FALLBACKS_NOT_LIST))
        return
    # LiteLLM appends `{"*": default_fallbacks}` to the general rules.
    _add_chain(DEFAULT_CHAIN_SOURCE, targets, location, FallbackType.GENERAL.value, parsed)


def _add_chain(source: object, targets: object, location: str, fallback_type: str, parsed: ParsedConfig) -> None:
    """One rule, shaped by the API's own cleaning functions (the same refusals as `POST /fallback`)."""
    try:
        source = validation.clean_source_name(source)
    except RuleViolation as error:
        parsed.problems.append(Problem(location, error.message))
        return
    if isinstance(targets, list):
        dict_targets = [index for index, target in enumerate(targets) if isinstance(target, dict)]
        if dict_targets:
            for index in dict_targets:
                parsed.problems.append(
                    Problem(f"{validation.key_location(location, source)}[{index}]", TARGET_NOT_A_NAME)
                )
            return
    try:
        targets = validation.clean_target_names(targets)
    except RuleViolation as error:
        parsed.problems.append(Problem(location, error.message))
        return
    key = (source, fallback_type)
    earlier = parsed.chains.get(key)
    if earlier is None:
        parsed.chains[key] = ChainSpec(targets=targets, location=location)
    elif earlier.targets != targets:
        # LiteLLM would quietly use one of the two; which one the operator meant, only they know.
        parsed.problems.append(
            Problem(location, DUPLICATE_RULE.format(model=source, fallback_type=fallback_type, first=earlier.location))
        )


def _refuse_fallbacks_elsewhere(document: dict, parsed: ParsedConfig) -> None:
    """Fallbacks anywhere else (per deployment, per team, per key) would be lost silently: refuse them."""
    modelled = {f"{section}.{key}" for section in SETTINGS_SECTIONS for key in FALLBACK_KEYS}
    for where, key, _ in _walk_mapping_items(document, "", skip=modelled):
        if not isinstance(key, str) or key not in FALLBACK_KEYS:
            continue
        location = validation.key_location(where, key)
        if location not in modelled:
            parsed.problems.append(Problem(location, NOT_MODELLED_HERE))


def check_chains(parsed: ParsedConfig, existing: Collection[str]) -> list[Problem]:
    """The problems `POST /fallback` would find with each chain of the file, given the names that will exist.

    `validation.chain_problems` decides; the file names an unknown model by name rather than
    listing every available one.
    """
    problems: list[Problem] = []
    for (source, _), chain in parsed.chains.items():
        found = validation.chain_problems(source=source, targets=chain.targets, existing=existing, all_names=tuple)
        for problem in found:
            if problem.code == "model_not_found":
                problems.append(Problem(chain.location, UNKNOWN_MODEL.format(model=source)))
            elif problem.code == "invalid_fallback_models":
                if problem.index is not None:  # one per unknown target; the summary without index repeats them
                    problems.append(Problem(chain.location, UNKNOWN_MODEL.format(model=chain.targets[problem.index])))
            else:
                problems.append(Problem(chain.location, problem.message))
    return problems


# ---------------------------------------------------------------------------------------------
# What an import changes


def desired_config(parsed: ParsedConfig, current: ConfigData, *, mode: ImportMode) -> ConfigData:
    """The configuration after importing `parsed` into `current` (merge: the file wins where it speaks)."""
    merge = mode == ImportMode.MERGE
    groups = dict(current.groups) if merge else {}
    for name, spec in parsed.groups.items():
        before = current.groups.get(name) if merge else None
        groups[name] = GroupData(
            name=name,
            owned_by=spec.fields.get("owned_by", before.owned_by if before else spec.inferred_owned_by),
            description=spec.fields.get("description", before.description if before else ""),
            max_input_tokens=spec.fields.get("max_input_tokens", before.max_input_tokens if before else None),
            deployments=list(spec.deployments),
        )
    chains = dict(current.chains) if merge else {}
    chains.update({key: list(chain.targets) for key, chain in parsed.chains.items()})
    if parsed.max_fallbacks is not None:
        max_fallbacks = parsed.max_fallbacks
    else:
        max_fallbacks = current.max_fallbacks if merge else DEFAULT_MAX_FALLBACKS
    return ConfigData(groups=groups, chains=chains, max_fallbacks=max_fallbacks)


@dataclass(frozen=True)
class Change:
    """One line of an import report: `created model group 'gpt-4o' (2 deployments)`."""

    action: str  # created, changed, removed
    kind: str  # model group, chain, setting
    name: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.action} {self.kind} {self.name}{detail}"


@dataclass
class ConfigDiff:
    groups_created: list[str] = field(default_factory=list)
    groups_changed: list[str] = field(default_factory=list)  # fields or deployments differ
    groups_removed: list[str] = field(default_factory=list)
    deployments_replaced: list[str] = field(default_factory=list)  # existing groups whose deployments differ
    chains_created: list[tuple[str, str]] = field(default_factory=list)
    chains_changed: list[tuple[str, str]] = field(default_factory=list)
    chains_removed: list[tuple[str, str]] = field(default_factory=list)
    max_fallbacks: tuple[int, int] | None = None  # (before, after) when it changes
    changes: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def by_action(self, action: str) -> list[Change]:
        return [change for change in self.changes if change.action == action]


def _deployment_count(count: int) -> str:
    return f"{count} deployment{'' if count == 1 else 's'}" if count else "no deployments"


def _chain_order(key: tuple[str, str]) -> tuple:
    source, fallback_type = key
    return (source != DEFAULT_CHAIN_SOURCE, source, FALLBACK_TYPES.index(fallback_type))


def _chain_name(key: tuple[str, str]) -> str:
    return validation.describe_chain(*key)


def diff_configs(current: ConfigData, desired: ConfigData) -> ConfigDiff:
    """What turns `current` into `desired`, in a stable order (groups by name, `*` chains first)."""
    diff = ConfigDiff()
    for name in sorted(desired.groups.keys() | current.groups.keys()):
        before, after = current.groups.get(name), desired.groups.get(name)
        if before is None:
            diff.groups_created.append(name)
            diff.changes.append(Change("created", "model group", repr(name), _deployment_count(len(after.deployments))))
        elif after is None:
            diff.groups_removed.append(name)
            diff.changes.append(Change("removed", "model group", repr(name)))
        else:
            details = [
                f"{field_name}: {getattr(before, field_name)!r} -> {getattr(after, field_name)!r}"
                for field_name in GROUP_FIELDS_IN_MODEL_INFO
                if getattr(before, field_name) != getattr(after, field_name)
            ]
            if before.deployments != after.deployments:
                diff.deployments_replaced.append(name)
                details.append(
                    f"deployments: {_deployment_count(len(before.deployments))} -> "
                    f"{_deployment_count(len(after.deployments))}"
                )
            if details:
                diff.groups_changed.append(name)
                diff.changes.append(Change("changed", "model group", repr(name), "; ".join(details)))
    for key in sorted(desired.chains.keys() | current.chains.keys(), key=_chain_order):
        before, after = current.chains.get(key), desired.chains.get(key)
        if before is None:
            diff.chains_created.append(key)
            diff.changes.append(Change("created", "chain", _chain_name(key), ", ".join(after)))
        elif after is None:
            diff.chains_removed.append(key)
            diff.changes.append(Change("removed", "chain", _chain_name(key), ", ".join(before)))
        elif before != after:
            diff.chains_changed.append(key)
            diff.changes.append(
                Change("changed", "chain", _chain_name(key), f"{', '.join(before)} -> {', '.join(after)}")
            )
    if current.max_fallbacks != desired.max_fallbacks:
        diff.max_fallbacks = (current.max_fallbacks, desired.max_fallbacks)
        diff.changes.append(
            Change("changed", "setting", MAX_FALLBACKS_KEY, f"{current.max_fallbacks} -> {desired.max_fallbacks}")
        )
    return diff


# ---------------------------------------------------------------------------------------------
# Writing


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
    for fallback_type, key in RULE_KEYS.items():
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


# libyaml's loader and dumper are many times faster at ten thousand model groups; the pure-Python
# ones give the same data where libyaml is missing.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
