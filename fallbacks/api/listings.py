"""The long lists every gateway and client polls, rendered once per configuration version and reused.

`GET /v1/models` (and `/models`, the same bytes), `GET /fallback` (whole, or of one type) and `GET /config` (yaml
and json) are kept here as the exact bytes of their answers, per process, keyed by the configuration's stamp
(selectors.config_stamp: its version, when that version was written, and the configured LiteLLM series).

Coherence across processes and hosts (PRODUCT.md 8): every request reads the stamp from the database (one read
by primary key, which the 304 needs anyway) and looks for bytes made under that very stamp. Every write bumps
the version in its own transaction, so once a write is acknowledged every request on every host reads the new
stamp and cannot find bytes made before it: no invalidation message to lose, no time to live to wait out. The
version alone is not enough: it repeats after a database is restored from a backup (and between tests that roll
back), so the stamp carries the time the version was written too.

A body is kept only when it is known to belong to its stamp: the version is read again after the body's own
queries and must not have moved (every write bumps it, so no write landed in between and the parts fit together;
READ COMMITTED would otherwise let a write slip between two of the queries). A build that saw a write is served,
labelled with the stamp read first as before (never newer than the data), and not kept.

Per process, not Django's cache: the cache here is the database, and putting megabytes through it on every miss
would cost about what building them does. Each process builds each list at most once per version, and
concurrent misses of one list wait for the one build. Only the lists of the two stamps used last are kept, within
LISTING_CACHE_MAX_BYTES.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import orjson
from django.conf import settings
from django.http import HttpResponse
from rest_framework.response import Response

from fallbacks import queries, selectors
from fallbacks.api import cursors
from fallbacks.api.conditional import CONFIG_VERSION_HEADER, ETAG, etag, list_response, not_modified
from fallbacks.config_format import ConfigFormat
from fallbacks.selectors import ConfigStamp

JSON_CONTENT_TYPE = "application/json"  # what DRF's JSONRenderer answers with (it names no charset)
CONFIG_CONTENT_TYPES = {ConfigFormat.YAML: "application/yaml", ConfigFormat.JSON: "application/json"}

# DRF's JSONRenderer escapes these two (valid JSON, but not valid JavaScript); orjson keeps them as UTF-8.
LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def render_json(data) -> bytes:
    """`data` as the bytes DRF's JSONRenderer writes (compact, UTF-8), with orjson: about ten times faster."""
    body = orjson.dumps(data)
    # Both separators begin with the byte 0xE2, which a one-byte search (memchr) rules out in a fraction of what a
    # search for three bytes takes: the two of them cost 7 ms on the 5.6 MB whole lint, whose dump takes 1 ms.
    if b"\xe2" in body:
        for raw, escaped in LINE_SEPARATORS:
            if raw in body:
                body = body.replace(raw, escaped)
    return body


class ListingCache:
    """Bytes by stamp and list, for the two stamps used last; thread-safe (gunicorn's threads share it).

    Two stamps, not one: a request that read the stamp just before a write committed keeps its bytes beside the
    new version's instead of dropping them. A version older than the newest is still kept: after a database is
    restored from a backup the versions go back, and the restored stamp must be cacheable too.
    """

    STAMPS_KEPT = 2

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._stamps: OrderedDict[tuple, dict[Hashable, bytes]] = OrderedDict()
        self._size = 0
        self._builds: dict[tuple, threading.Lock] = {}
        self.built = 0  # bodies built (kept or not), for tests and benchmarks

    @property
    def size(self) -> int:
        """The bytes kept."""
        return self._size

    def clear(self) -> None:
        with self._lock:
            self._stamps.clear()
            self._size = 0

    def _get(self, stamp_key: tuple, listing: Hashable) -> bytes | None:
        bodies = self._stamps.get(stamp_key)
        if bodies is None or listing not in bodies:
            return None
        self._stamps.move_to_end(stamp_key)
        return bodies[listing]

    def body(self, stamp: ConfigStamp, listing: Hashable, build: Callable[[], tuple[bytes, bool]]) -> bytes:
        """The bytes of `listing` under `stamp`: kept ones, or `build()`'s (bytes, whether they belong to `stamp`)."""
        stamp_key = (stamp.version, stamp.written_at, stamp.litellm_version)
        with self._lock:
            body = self._get(stamp_key, listing)
            if body is not None:
                return body
            building = self._builds.setdefault((stamp_key, listing), threading.Lock())
        with building:  # one build per list and stamp; the others wait for it and take its bytes
            with self._lock:
                body = self._get(stamp_key, listing)
            if body is not None:
                return body
            try:
                body, belongs = build()
                self.built += 1
                if belongs:
                    self._keep(stamp_key, listing, body)
            finally:
                with self._lock:
                    self._builds.pop((stamp_key, listing), None)
        return body

    def _keep(self, stamp_key: tuple, listing: Hashable, body: bytes) -> None:
        with self._lock:
            bodies = self._stamps.setdefault(stamp_key, {})
            self._stamps.move_to_end(stamp_key)
            self._size += len(body) - len(bodies.get(listing, b""))
            bodies[listing] = body
            while len(self._stamps) > self.STAMPS_KEPT or (self._size > self.max_bytes and len(self._stamps) > 1):
                _, dropped = self._stamps.popitem(last=False)
                self._size -= sum(len(old) for old in dropped.values())
            if self._size > self.max_bytes:  # one stamp's lists alone outgrow the bound: keep only this one
                self._size = len(body)
                self._stamps = OrderedDict({stamp_key: {listing: body}})


LISTINGS = ListingCache(settings.LISTING_CACHE_MAX_BYTES)


def _unchanged_since(stamp: ConfigStamp) -> bool:
    return selectors.config_version() == stamp.version


def _json_list(request, listing: Hashable, data: Callable[[ConfigStamp], dict]) -> HttpResponse:
    """A JSON list labelled with the config version: 304 when the client has it, else the kept or built bytes."""
    stamp = selectors.config_stamp()
    unchanged = not_modified(request, stamp.version)
    if unchanged is not None:
        return unchanged

    def build() -> tuple[bytes, bool]:
        body = render_json(data(stamp))
        return body, _unchanged_since(stamp)

    response = HttpResponse(LISTINGS.body(stamp, listing, build), content_type=JSON_CONTENT_TYPE)
    response[ETAG] = etag(stamp.version)
    return response


def model_list(request, *, metadata_type: str | None) -> HttpResponse:
    """`GET /v1/models` and `GET /models`: every model group as an OpenAI model object, with `metadata.fallbacks`
    of `metadata_type` (on the configured series) when it is not None."""
    return _json_list(
        request,
        ("models", metadata_type),
        lambda stamp: {
            "data": queries.model_objects(fallback_type=metadata_type, series=stamp.litellm_version),
            "object": "list",
        },
    )


def chain_list(request, *, fallback_type: str | None) -> HttpResponse:
    """`GET /fallback` unfiltered or of one type (a filter by model reads one indexed query and is not kept)."""
    return _json_list(
        request, ("chains", fallback_type), lambda stamp: {"data": selectors.chain_list(fallback_type=fallback_type)}
    )


def config_file(request, fmt: ConfigFormat) -> HttpResponse:
    """`GET /config`: the export, labelled with the version it was read at (queries.exported_config's own)."""
    stamp = selectors.config_stamp()
    unchanged = not_modified(request, stamp.version)  # one query when the poller is up to date
    if unchanged is not None:
        return unchanged
    exported_version = stamp.version

    def build() -> tuple[bytes, bool]:
        nonlocal exported_version
        exported = queries.exported_config(fmt)
        exported_version = exported.version
        return exported.text.encode(), exported.version == stamp.version

    response = HttpResponse(
        LISTINGS.body(stamp, ("config", fmt.value), build), content_type=f"{CONFIG_CONTENT_TYPES[fmt]}; charset=utf-8"
    )
    response[ETAG] = etag(exported_version)
    response[CONFIG_VERSION_HEADER] = str(exported_version)
    return response


# Pages (PRODUCT.md 3.2): only when the client sends `?limit=` ---------------------------------------------------


def _page(items: list[dict], limit: int, cursor_of: Callable[[dict], str]) -> dict:
    """A page of a selector's `limit + 1` items: the first `limit`, and the cursor after them if there are more."""
    page = items[:limit]
    return {"data": page, "next": cursor_of(page[-1]) if len(items) > limit else None}


def chain_page(
    request, *, limit: int, after: tuple[str, str] | None, fallback_type: str | None, model: str | None
) -> Response:
    """A page of `GET /fallback`, labelled with the config version like the whole list."""
    return list_response(
        request,
        selectors.config_version(),
        lambda: _page(
            selectors.chain_page(limit=limit, after=after, fallback_type=fallback_type, model=model),
            limit,
            lambda chain: cursors.encode(chain["model"], chain["fallback_type"]),
        ),
    )


def model_group_page(request, *, limit: int, after: str | None) -> Response:
    """A page of `GET /model_groups`, labelled with the config version like the whole list."""
    return list_response(
        request,
        selectors.config_version(),
        lambda: _page(
            selectors.model_group_documents(after=after, limit=limit),
            limit,
            lambda group: cursors.encode(group["name"]),
        ),
    )
