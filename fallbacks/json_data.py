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
