"""Whether a value is plain JSON data, and how deeply a JSON text nests. Pure: no ORM, no Django.

Data kept in a JSON column (a deployment's `litellm_params` and `model_info`) must come back as it
went in, on every database: PostgreSQL's jsonb refuses NUL characters and NaN, and no database can
encode a lone surrogate; SQLite would store some of these, and the export would then be a file the
import refuses. Non-string keys would come back as strings. Nesting is bounded so that no walk over
the data (here, in the export, in the database driver) can run out of stack.
"""

import json
import math
import re
from dataclasses import dataclass

from fallbacks.domain import MAX_JSON_DEPTH
from fallbacks.errors import (
    DUPLICATE_KEY,
    JSON_KEY_NOT_A_STRING,
    JSON_NOT_A_VALUE,
    JSON_NOT_FINITE,
    JSON_NUL,
    JSON_SURROGATE,
    JSON_TOO_DEEP,
)


@dataclass(frozen=True)
class JsonDataProblem:
    """Why a value is not plain JSON data (`reason`), and where in it (`location`)."""

    location: str
    reason: str


def key_location(base: str, key: str) -> str:
    """`base.key`, or `base["key"]` when the key would not read as one path segment."""
    if key.isidentifier():
        return f"{base}.{key}" if base else key
    # Escaped to ASCII only when it holds what could not be shown (a NUL, a lone surrogate).
    return f"{base}[{json.dumps(key, ensure_ascii=_text_problem(key) is not None)}]"


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return JSON_NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return JSON_SURROGATE
    return None


def json_data_problem(value: object, location: str, *, depth_limit: int = MAX_JSON_DEPTH) -> JsonDataProblem | None:
    """The first thing in `value`, in document order, that a JSON column would not give back unchanged.

    Iterative, so that data nested deeper than `depth_limit` is refused, never a RecursionError.
    """
    pending: list[tuple[object, str, int]] = [(value, location, 0)]
    while pending:
        item, where, depth = pending.pop()
        if item is None or isinstance(item, bool | int):
            continue
        if isinstance(item, float):
            if item != item or item in (math.inf, -math.inf):
                return JsonDataProblem(where, JSON_NOT_FINITE)
            continue
        if isinstance(item, str):
            if reason := _text_problem(item):
                return JsonDataProblem(where, reason)
            continue
        if isinstance(item, list | dict) and depth >= depth_limit:
            return JsonDataProblem(where, JSON_TOO_DEEP)
        if isinstance(item, list):
            pending.extend((inner, f"{where}[{index}]", depth + 1) for index, inner in reversed(list(enumerate(item))))
            continue
        if isinstance(item, dict):
            children = []
            for key, inner in item.items():
                if not isinstance(key, str):
                    return JsonDataProblem(where, JSON_KEY_NOT_A_STRING.format(key=_short_repr(key)))
                if reason := _text_problem(key):
                    return JsonDataProblem(where, f"{reason} in a key")
                children.append((inner, key_location(where, key), depth + 1))
            pending.extend(reversed(children))
            continue
        return JsonDataProblem(where, JSON_NOT_A_VALUE.format(kind=_kind_of(item)))
    return None


def _short_repr(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind_of(value: object) -> str:
    kind = type(value).__name__
    return f"a {kind} ({_short_repr(value)})"


class DuplicateKey(ValueError):
    """A JSON object that names one key twice; `location` is the object's place (`""` for the top level)."""

    def __init__(self, location: str, key: str):
        self.location, self.key = location, key
        where = location or "the top-level object"
        super().__init__(DUPLICATE_KEY.format(key=json.dumps(key, ensure_ascii=False), where=where))


class _ObjectWithDuplicate(dict):
    """An object whose text named `duplicate` twice; only ever seen while its location is looked for."""

    duplicate: str


def json_loads(text: str, **kwargs) -> object:
    """`json.loads`, except that an object naming a key twice is refused (DuplicateKey, with where it is).

    json.loads keeps the last value silently: `{"model": "a", "model": "b"}` would be read as the
    model `b`, whatever the sender meant. The hook costs one dict per object, and the document is
    walked only when a duplicate was seen, to say where.
    """
    seen_duplicate = False

    def build(pairs: list[tuple[str, object]]) -> dict:
        nonlocal seen_duplicate
        built = dict(pairs)
        if len(built) == len(pairs):
            return built
        seen_duplicate = True
        marked = _ObjectWithDuplicate(built)
        names: set[str] = set()
        marked.duplicate = next(name for name, _ in pairs if name in names or names.add(name))
        return marked

    document = json.loads(text, object_pairs_hook=build, **kwargs)
    if seen_duplicate:
        raise _first_duplicate(document)
    return document


def _first_duplicate(document: object) -> DuplicateKey:
    """The first object, in document order, built from text that named a key twice."""
    pending: list[tuple[object, str]] = [(document, "")]
    while pending:
        item, where = pending.pop()
        if isinstance(item, _ObjectWithDuplicate):
            return DuplicateKey(where, item.duplicate)
        if isinstance(item, dict):
            pending.extend((inner, key_location(where, key)) for key, inner in reversed(item.items()))
        elif isinstance(item, list):
            pending.extend((inner, f"{where}[{index}]") for index, inner in reversed(list(enumerate(item))))
    raise AssertionError("a duplicate was seen but not found")  # pragma: no cover


def json_text_nesting(text: str, limit: int = MAX_JSON_DEPTH) -> int | None:
    """The offset in the JSON text `text` where arrays and objects nest deeper than `limit`, or None.

    A scan of the text, so that a document can be refused before a parser recurses into it; it
    follows strings and their escapes, and needs no valid JSON (the parser judges that).
    """
    depth = 0
    in_string = False
    escaped = -1  # the offset of the character a backslash escapes
    for match in _JSON_STRUCTURE.finditer(text):
        offset, character = match.start(), match.group()
        if in_string:
            if offset == escaped:
                continue
            if character == "\\":
                escaped = offset + 1
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > limit:
                return offset
        elif character in "]}":
            depth -= 1
    return None


_JSON_STRUCTURE = re.compile(r'[\[\]{}"\\]')
