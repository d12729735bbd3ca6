"""The `next` of a paged list (PRODUCT.md 3.2): where the page ended, as an opaque URL-safe string.

A cursor is the sort key of the last item shown (a model group's name; a chain's model and type), so a page
continues after it however many items were written or removed meanwhile, and costs an index seek, not an offset.
"""

import base64
import binascii
import json

from fallbacks import errors
from fallbacks.domain import MAX_NAME_LENGTH
from fallbacks.errors import ErrorCode, Invalid
from fallbacks.validation import has_control_characters


def encode(*parts: str) -> str:
    text = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def decode(cursor: str, parts: int) -> tuple[str, ...]:
    """The `parts` strings a cursor of `encode` holds; Invalid (the contract's 400) for anything else."""
    try:
        if not cursor.isascii():
            raise ValueError(cursor)
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeError, RecursionError):  # RecursionError: `[[[[...` nested deep
        decoded = None
    if not (isinstance(decoded, list) and len(decoded) == parts and all(map(_is_a_name, decoded))):
        raise Invalid(errors.INVALID_CURSOR, code=ErrorCode.INVALID_CURSOR)
    return tuple(decoded)


def _is_a_name(part: object) -> bool:
    """What a cursor's part must be to be looked up (PostgreSQL refuses NUL in any query)."""
    return isinstance(part, str) and len(part) <= MAX_NAME_LENGTH and not has_control_characters(part)
