"""Reading a LiteLLM proxy config (YAML or JSON text) into plain data. No ORM here.

`parse_config()` turns the text into a `ParsedConfig`, reading fallbacks from every place LiteLLM
reads them, and lists by location everything it refuses or cannot model. `check_chains()` then
applies the API's own chain rules (fallbacks.validation) against the model groups that will exist.
"""

import json
from collections.abc import Collection, Iterator, Mapping

import yaml

from fallbacks import errors, validation
from fallbacks.config_format.data import (
    DEFAULT_FALLBACKS_KEY,
    GROUP_FIELDS_IN_MODEL_INFO,
    MAX_FALLBACKS_KEY,
    PLACEHOLDER_KEY,
    SETTINGS_SECTIONS,
    ChainSpec,
    DeploymentData,
    GroupSpec,
    ParsedConfig,
    Problem,
    fallback_keys,
)
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, DEFAULT_OWNED_BY, FALLBACK_TYPES, GENERAL, MAX_JSON_DEPTH
from fallbacks.errors import DomainError, ErrorCode
from fallbacks.json_data import DuplicateKey, json_data_problem, json_loads, json_text_nesting, key_location

# What a file may be, checked before it is parsed. A LiteLLM config nests fewer than 10 levels deep,
# and a 10,000-group one is about 3 MB and 240,000 values; YAML aliases are counted each time they
# are used, so that a small file cannot expand into millions of values (an "alias bomb"), nor into
# more characters than a file may hold (a long string anchored once and named a thousand times: the
# loader shares it, but everything after it, the checks, the diff and the stored rows, copies it).
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_DEPTH = MAX_JSON_DEPTH
MAX_DOCUMENT_VALUES = 1_000_000
MAX_DOCUMENT_CHARACTERS = MAX_DOCUMENT_BYTES  # of scalars and keys once expanded: what a file without aliases may hold

# Messages of the importer. The chain rules' own messages come from fallbacks.errors.
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
DOCUMENT_TOO_MANY_CHARACTERS = (
    f"more than {MAX_DOCUMENT_CHARACTERS:,} characters once YAML aliases are expanded ({{where}})"
)
DUPLICATE_KEY_IN_FILE = "duplicate key {key} in this mapping: which value was meant cannot be known"
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


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


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
        offset = json_text_nesting(text, MAX_DOCUMENT_DEPTH)
        if offset is not None:
            return None, [Problem("file", DOCUMENT_TOO_DEEP.format(where=_text_position(text, offset)))]
        try:
            document = json_loads(text)
        except json.JSONDecodeError as error:
            return None, [Problem(f"line {error.lineno}, column {error.colno}", error.msg)]
        except DuplicateKey as duplicate:
            key = json.dumps(duplicate.key, ensure_ascii=False)
            return None, [Problem(duplicate.location or "file", DUPLICATE_KEY_IN_FILE.format(key=key))]
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
    """Refuse YAML nested too deeply, or expanding (aliases counted at each use) to too many values or characters.

    Reads the parser's events, which build nothing and never recurse. An anchored node's expanded
    size is known when it ends and kept by anchor name, so each alias costs one look-up: the work
    is proportional to the text, however far its aliases would expand.
    """
    values = 0  # values so far, each alias counted as the whole node it names
    characters = 0  # characters of scalars (keys too) so far, likewise
    anchored: dict[str, tuple[int, int]] = {}  # anchor -> expanded (values, characters) of its node
    open_nodes: list[tuple[int, int, str | None]] = []  # (`values`, `characters` at its start, its anchor)
    open_anchors: set[str] = set()
    try:
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            if isinstance(event, yaml.ScalarEvent):
                values += 1
                characters += len(event.value)
                if event.anchor is not None:
                    anchored[event.anchor] = (1, len(event.value))
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    where = _mark_position(event.start_mark)
                    return Problem("file", RECURSIVE_ALIAS.format(anchor=event.anchor, where=where))
                named_values, named_characters = anchored.get(event.anchor, (1, 0))  # unknown: the loader's to report
                values += named_values
                characters += named_characters
            elif isinstance(event, _COLLECTION_STARTS):
                if len(open_nodes) >= MAX_DOCUMENT_DEPTH:
                    return Problem("file", DOCUMENT_TOO_DEEP.format(where=_mark_position(event.start_mark)))
                open_nodes.append((values, characters, event.anchor))
                values += 1
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
            elif isinstance(event, _COLLECTION_ENDS):
                start_values, start_characters, anchor = open_nodes.pop()
                if anchor is not None:
                    anchored[anchor] = (values - start_values, characters - start_characters)
                    open_anchors.discard(anchor)
            else:
                continue
            if values > MAX_DOCUMENT_VALUES:
                return Problem("file", DOCUMENT_TOO_MANY_VALUES.format(where=_mark_position(event.start_mark)))
            if characters > MAX_DOCUMENT_CHARACTERS:
                return Problem("file", DOCUMENT_TOO_MANY_CHARACTERS.format(where=_mark_position(event.start_mark)))
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
            parsed.notices.append(Problem(key_location("", str(key)), IGNORED_SETTING))
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
        except DomainError as error:
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
            return None if validation.clean_owned_by(value) == value else errors.BAD_OWNED_BY
        except DomainError:
            return errors.BAD_OWNED_BY
    if name == "description":
        return None if isinstance(value, str) and not json_data_problem(value, "") else BAD_DESCRIPTION
    try:
        validation.clean_max_input_tokens(value)
    except DomainError as error:
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
            inner = key_location(location, str(key))
            if inner not in skip:
                yield from _walk_mapping_items(item, inner, skip=skip)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_mapping_items(item, f"{location}[{index}]", skip=skip)


def _check_json_data(value: object, location: str, problems: list[Problem]) -> bool:
    """Data a JSON column stores and gives back unchanged, by the admin's own rule (fallbacks.validation)."""
    found = json_data_problem(value, location)
    if found:
        problems.append(Problem(found.location, NOT_JSON_DATA.format(reason=found.reason)))
        return False
    return True


def _read_settings(sections: dict[str, dict], parsed: ParsedConfig) -> None:
    router, litellm_settings = sections["router_settings"], sections["litellm_settings"]
    for section, values in sections.items():
        for key in values:
            if key not in fallback_keys():
                parsed.notices.append(Problem(key_location(section, str(key)), IGNORED_SETTING))

    for kind in FALLBACK_TYPES:
        fallback_type, key = kind.value, kind.config_key
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
        except DomainError as error:
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
    _add_chain(DEFAULT_CHAIN_SOURCE, targets, location, GENERAL, parsed)


def _add_chain(source: object, targets: object, location: str, fallback_type: str, parsed: ParsedConfig) -> None:
    """One rule, shaped by the API's own cleaning functions (the same refusals as `POST /fallback`)."""
    try:
        source = validation.clean_source_name(source)
    except DomainError as error:
        parsed.problems.append(Problem(location, error.message))
        return
    if isinstance(targets, list):
        dict_targets = [index for index, target in enumerate(targets) if isinstance(target, dict)]
        if dict_targets:
            for index in dict_targets:
                parsed.problems.append(Problem(f"{key_location(location, source)}[{index}]", TARGET_NOT_A_NAME))
            return
    try:
        targets = validation.clean_target_names(targets)
    except DomainError as error:
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
    keys = fallback_keys()
    modelled = {f"{section}.{key}" for section in SETTINGS_SECTIONS for key in keys}
    for where, key, _ in _walk_mapping_items(document, "", skip=modelled):
        if not isinstance(key, str) or key not in keys:
            continue
        location = key_location(where, key)
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
            if problem.code == ErrorCode.MODEL_NOT_FOUND:
                problems.append(Problem(chain.location, UNKNOWN_MODEL.format(model=source)))
            elif problem.code == ErrorCode.INVALID_FALLBACK_MODELS:
                if problem.index is not None:  # one per unknown target; the summary without index repeats them
                    problems.append(Problem(chain.location, UNKNOWN_MODEL.format(model=chain.targets[problem.index])))
            else:
                problems.append(Problem(chain.location, problem.message))
    return problems


# libyaml's loader is many times faster at ten thousand model groups; the pure-Python one gives the
# same data where libyaml is missing.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictYamlLoader(_SAFE_LOADER):
    """The safe loader, refusing a mapping that names a key twice (YAML says it must not; PyYAML keeps the last).

    `<<: *defaults` merges are not duplicates: a key written beside a merge overrides the merged one.
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=False)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable (complex) key: the constructor refuses it itself
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        DUPLICATE_KEY_IN_FILE.format(key=json.dumps(key, ensure_ascii=False, default=str)),
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)


_YAML_LOADER = _StrictYamlLoader
