"""Conditional requests (PRODUCT.md 3.3): ETags are config versions, `If-Match` guards writes,
`If-None-Match` spares pollers a list that has not changed.

A single thing's ETag is `"<n>"`, n the version that last changed it (`"0"` if none ever did); a
list's is the config version. `If-Match: *` and no `If-Match` write unconditionally, as LiteLLM's
clients (which send none) expect.
"""

from rest_framework import status
from rest_framework.response import Response

ETAG = "ETag"
CONFIG_VERSION_HEADER = "X-Config-Version"  # on every write's answer, and on GET /config
NEVER_MATCHES = frozenset({-1})  # an If-Match that names no version: no thing can match it


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return tags


def if_match(request) -> frozenset[int] | None:
    """The versions an `If-Match` header names; None when there is none or it is `*` (write unconditionally)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = _tags(header)
    if "*" in tags:
        return None
    versions = frozenset(int(tag) for tag in tags if tag.isdigit() and tag.isascii())
    return versions or NEVER_MATCHES


def not_modified(request, version: int) -> Response | None:
    """A 304 with no body when the client's `If-None-Match` names `version` (or is `*`); None otherwise."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return None
    tags = _tags(header)
    if "*" in tags or str(version) in tags:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={ETAG: etag(version)})
    return None


def list_response(request, version: int, build) -> Response:
    """A list read guarded by the config version: 304 when the client has it, else `build()` with the ETag.

    The version is read before the list, so the ETag is never newer than the data it labels: a
    client holding it may get the same data again, never a 304 for data it has not seen.
    """
    unchanged = not_modified(request, version)
    if unchanged is not None:
        return unchanged
    response = Response(build())
    response[ETAG] = etag(version)
    return response
