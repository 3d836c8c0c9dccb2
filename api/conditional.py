"""Conditional reads (docs/api.md, "Conditional requests").

A read whose answer is made from a few things the database tells cheaply (for a
player, the latest record) says so with a `version_of` function. From that
version come the answer's `ETag` and `Last-Modified`: a client that already
holds the answer gets `304 Not Modified` and no body is built. A body that is
built is kept in the cache, so the next client asking the same question gets it
without the view running again.

The toolkit knows nothing of records: it compares versions, the view says what
they are made of.

A read answered from the cache is mostly round trips, so they are few. Asking
the database for the version on every read would be one of them, so a
`version_of` may also name stamps (`stamped_by`): cache entries that every
write changing the version replaces with a fresh token (`restamp`), before its
commit and again after it. A kept body remembers the stamps it was built
under; while they are unchanged it is served without asking the database. The
stamps are read before the version, so a body built from data a commit then
changed is kept under stamps that commit replaces: it is never served after.

The keys of the kept body and its stamps are known before the view runs
(`kept_keys`), and authentication, which goes to the cache anyway for the
user's state, fetches them in the same round trip and leaves them on the
request (`keep_fetched`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple, TypeVar
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.http import HttpResponse, HttpResponseBase, HttpResponseNotModified, QueryDict
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from redis import RedisError
from rest_framework.request import Request

logger = logging.getLogger(__name__)

# What the configured cache raises when it is away (Redis in the full stack, a
# table on the embedded default).
CACHE_ERRORS = (RedisError, DatabaseError)

# An answer that depends on the present moment (a window ending "now") is
# rebuilt at most once per bucket, and sooner when its version changes: it may
# be this much older than the moment it is read, never older than the data.
# Each question's buckets start at a second of its own (`_bucket`).
NOW_BUCKET_SECONDS = 60
# A kept body is checked against the version, so this does not keep it correct;
# it bounds the room taken by answers nobody asks for again (one entry per path
# and query, replaced when its version changes).
BODY_SECONDS = 600
# A stamp is replaced by every write it stands for; expiring bounds how long one
# that could not be replaced (the cache away at that moment) keeps a body served.
STAMP_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Version:
    """What an answer is made from: `token` differs whenever the body may, and
    `modified` is when it last changed (None when no date can say so, e.g. a
    list that may lose an entry; the answer then carries only its ETag).
    `until`: the first moment the answer may change with no write at all (None:
    only a write changes it), after which stamps alone do not prove it current."""

    token: str
    modified: datetime | None
    until: datetime | None = None


class _Kept(NamedTuple):
    """A body in the cache, with what it was built under."""

    etag: str
    modified: datetime | None
    stamps: tuple
    bucket: int | None
    until: datetime | None
    content: bytes

    def holds(self, stamps: tuple, bucket: int | None, now: datetime) -> bool:
        """Whether it is still the answer, by the stamps alone (no version read)."""
        in_time = self.until is None or now < self.until
        return (self.stamps, self.bucket) == (stamps, bucket) and in_time


class _KeptValue(NamedTuple):
    """A figure in the cache (`kept_value`), with the stamps it was computed under."""

    stamps: tuple
    value: object


VersionOf = Callable[..., Version | None]  # (request, **the view's URL kwargs)
StampKeys = Callable[..., list[str] | None]  # (**the view's URL kwargs)
T = TypeVar("T")


def stamped_by(stamp_keys: StampKeys):
    """Decorate a `version_of` whose version changes only with writes that
    `restamp` the keys `stamp_keys` names for the same URL (None: none, the
    database is asked every time). Only with READ_STAMPS (the full stack)."""

    def decorate(version_of: VersionOf) -> VersionOf:
        version_of.stamp_keys = stamp_keys
        return version_of

    return decorate


def stamps_only(stamp_keys: StampKeys) -> VersionOf:
    """A `version_of` for an answer no cheap query can date (a page of a list
    whose rows any write may change): its version is its stamps themselves,
    which every write of what it shows replaces. Without READ_STAMPS, or with
    the cache away, it has none, and the view builds every answer."""

    @stamped_by(stamp_keys)
    def version_of(request: Request, **_) -> None:
        return None  # never asked: conditional_read reads the stamps (`_version`)

    version_of.from_stamps = True
    return version_of


def restamp(keys: list[str]) -> None:
    """For a write that changes what the stamps `keys` stand for, inside its
    transaction: fresh tokens now, and again once it commits (a body built in
    between, from what the database held before, is kept under the first)."""
    if not keys or not settings.READ_STAMPS:
        return
    _stamp(keys)
    transaction.on_commit(functools.partial(_stamp, list(keys)), robust=True)


def _stamp(keys: list[str]) -> None:
    _cached(cache.set_many, {key: secrets.token_hex(8) for key in keys}, STAMP_SECONDS)


def kept_value(key: str, stamp_keys: list[str], compute: Callable[[], T]) -> T:
    """`compute()`, kept in the cache under `key` while the stamps `stamp_keys`
    stand: a figure that only writes restamping them change (how many players
    are listed), taken from the cache in one round trip instead of the database.
    The stamps are read before computing, as for a body. Without READ_STAMPS,
    always computed."""
    if not settings.READ_STAMPS:
        return compute()
    key = "value:" + _digest(_release(), key)  # as a body's: a release reads its own
    fetched = _cached(cache.get_many, [key, *stamp_keys]) or {}
    stamps, kept = _stamps_now(stamp_keys, fetched), fetched.get(key)
    if None in stamps:  # the cache is away
        return compute()
    if kept is not None and kept.stamps == stamps:
        return kept.value
    value = compute()
    _cached(cache.set, key, _KeptValue(stamps, value), BODY_SECONDS)
    return value


def conditional_read(
    version_of: VersionOf, *, depends_on_now: bool | Callable[[QueryDict], bool] = False
):
    """Decorate an APIView's `get` whose 200 body is determined by `version_of`,
    the path and the query (and, if `depends_on_now` says so for the query, the
    present moment to the minute).

    `version_of` runs after authentication, permissions and throttling, as the
    view would; returning None (an unknown player, no record yet) lets the view
    answer as if undecorated. Only 200s are kept; errors are never cached.
    """

    now_matters = depends_on_now if callable(depends_on_now) else lambda query: depends_on_now

    def decorate(get):
        @functools.wraps(get)
        def conditional_get(view, request: Request, *args, **kwargs) -> HttpResponseBase:
            stamp_keys = _stamp_keys(version_of, kwargs)
            if _unprovable(version_of, stamp_keys):
                return get(view, request, *args, **kwargs)
            question = _question(request)
            key = _body_key(question)
            fetched = _fetched(request, [key, *stamp_keys])
            kept = fetched.get(key)
            now = timezone.now()
            bucket = _bucket(now, question) if now_matters(request.query_params) else None
            stamps = _stamps_now(stamp_keys, fetched)
            if (
                stamps
                and None not in stamps
                and kept is not None
                and kept.holds(stamps, bucket, now)
            ):
                etag, modified, content = kept.etag, kept.modified, kept.content
                if _client_holds(request, etag, modified):
                    return _validated(HttpResponseNotModified(), etag, modified)
                return _validated(_kept_response(request, content), etag, modified)
            version = _version(version_of, request, kwargs, stamps)
            if version is None:
                return get(view, request, *args, **kwargs)
            if bucket is not None:
                version = _in_bucket(version, bucket)
            etag = _etag(question, version)
            if _client_holds(request, etag, version.modified):
                return _validated(HttpResponseNotModified(), etag, version.modified)
            if kept is not None and kept.etag == etag:
                content = kept.content
            else:
                response = get(view, request, *args, **kwargs)
                if response.status_code != 200:
                    return response
                content = request.accepted_renderer.render(
                    response.data, request.accepted_media_type, view.get_renderer_context()
                )
            entry = _Kept(etag, version.modified, stamps, bucket, version.until, content)
            if entry != kept:
                _cached(cache.set, key, entry, BODY_SECONDS)
            return _validated(_kept_response(request, content), etag, version.modified)

        conditional_get.conditional_read = True
        conditional_get.version_of = version_of
        return conditional_get

    return decorate


def kept_keys(request: Request) -> list[str]:
    """The cache keys of the body and stamps the view will look for, when it is a
    conditional read (else none): known once the media type is negotiated,
    which DRF does before it authenticates."""
    context = getattr(request, "parser_context", None) or {}
    handler = getattr(context.get("view"), request.method.lower(), None)
    if not getattr(handler, "conditional_read", False):
        return []
    if getattr(request, "accepted_media_type", None) is None:
        return []
    stamp_keys = _stamp_keys(handler.version_of, context.get("kwargs", {}))
    if _unprovable(handler.version_of, stamp_keys):
        return []
    return [_body_key(_question(request)), *stamp_keys]


def keep_fetched(request: Request, keys: list[str], found: dict) -> None:
    """Hand the view what the cache held under `keys` (those `kept_keys` named;
    `found` as `cache.get_many` gives it), fetched with something else, so that
    the view does not ask again."""
    request.kept_entries = (keys, found)


def _fetched(request: Request, keys: list[str]) -> dict:
    fetched = request.__dict__.pop("kept_entries", None)
    if fetched is not None and fetched[0] == keys:
        return fetched[1]
    return _cached(cache.get_many, keys) or {}


def _stamp_keys(version_of: VersionOf, kwargs: dict) -> list[str]:
    keys_of = getattr(version_of, "stamp_keys", None)
    if keys_of is None or not settings.READ_STAMPS:
        return []
    return keys_of(**kwargs) or []


def _from_stamps(version_of: VersionOf) -> bool:
    return getattr(version_of, "from_stamps", False)


def _unprovable(version_of: VersionOf, stamp_keys: list[str]) -> bool:
    """Whether nothing can prove a kept answer current: a version made of stamps
    alone, with no stamps read (no READ_STAMPS)."""
    return not stamp_keys and _from_stamps(version_of)


def _version(version_of: VersionOf, request: Request, kwargs: dict, stamps: tuple):
    """The version of the answer; of one `stamps_only` dates, its stamps (none
    while the cache is away)."""
    if not _from_stamps(version_of):
        return version_of(request, **kwargs)
    return None if None in stamps else Version(token=".".join(stamps), modified=None)


def _stamps_now(keys: list[str], fetched: dict) -> tuple:
    """The stamps as they stand, before what they stand for is read: as `fetched`
    holds them, or, where one is missing, made (unless another process has just
    made it) and read again. None for each while the cache is away."""
    stamps = tuple(fetched.get(key) for key in keys)
    if None not in stamps:
        return stamps
    for key, stamp in zip(keys, stamps, strict=True):
        if stamp is None:
            _cached(cache.add, key, secrets.token_hex(8), STAMP_SECONDS)
    now = _cached(cache.get_many, keys) or {}
    return tuple(now.get(key) for key in keys)


def _kept_response(request: Request, content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type=_content_type(request))


def _body_key(question: str) -> str:
    # A release reads only the entries it wrote (their shape may differ).
    return "read:" + _digest(_release(), question)


def _cached(operation, *args):
    """A cache operation that a cache away turns into a miss: the cache only
    saves work, so a read must not fail with it."""
    try:
        return operation(*args)
    except CACHE_ERRORS:
        logger.warning("read cache unavailable", exc_info=True)
        return None


def _bucket(now: datetime, question: str) -> int:
    """When the bucket `now` falls in started, for this question (a Unix time).
    Buckets aligned on the clock's minute would expire every answer ending now in
    the same second, and the reads just after it would all rebuild at once; each
    question's buckets start at an offset of their own, so the rebuilds spread
    over the minute (bench/load.py, part (b), saw them gather as it turned)."""
    offset = zlib.crc32(question.encode()) % NOW_BUCKET_SECONDS
    since = int(now.timestamp()) - offset
    return since - since % NOW_BUCKET_SECONDS + offset


def _in_bucket(version: Version, bucket: int) -> Version:
    started = datetime.fromtimestamp(bucket, tz=UTC)
    modified = None if version.modified is None else max(version.modified, started)
    return replace(version, token=f"{version.token}@{bucket}", modified=modified)


def _question(request: Request) -> str:
    """The request as far as the answer depends on it: the path, the query (in a
    canonical order) and the negotiated media type (it sets the indentation)."""
    query = urlencode(sorted(request.query_params.lists()), doseq=True)
    return f"{request.path}?{query} {request.accepted_media_type}"


def _content_type(request: Request) -> str:
    # As DRF's Response would say it.
    renderer = request.accepted_renderer
    charset = f"; charset={renderer.charset}" if renderer.charset else ""
    return renderer.media_type + charset


def _etag(question: str, version: Version) -> str:
    # Weak: the same answer, not necessarily the same bytes (an answer ending
    # now, rebuilt in the same minute, says a slightly later "now").
    return f'W/"{_digest(_release(), question, version.token)}"'


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def _client_holds(request: Request, etag: str, modified: datetime | None) -> bool:
    """RFC 9110, section 13.2.2: If-None-Match decides when it is sent (weak
    comparison), If-Modified-Since otherwise. `*` is not taken as a match: it
    asks whether any answer exists, which only the view can tell."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        opaque = etag.removeprefix("W/")
        return any(tag.removeprefix("W/") == opaque for tag in parse_etags(if_none_match))
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and modified is not None and int(modified.timestamp()) <= since


def _validated(response: HttpResponseBase, etag: str, modified: datetime | None):
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    # Every answer needs a signed-in client: no shared cache may keep it (it would
    # serve it past authentication and quotas); the client's own must ask again,
    # which costs it a 304 when nothing changed.
    response["Cache-Control"] = "private, no-cache"
    return response


@functools.cache
def _release() -> str:
    """A digest of the project's own source. It is part of every ETag and kept
    body's check, so an answer built by one release is never served by another
    (a release that changes a body's shape starts afresh), while processes of
    the same release, on any host, agree."""
    root = Path(settings.BASE_DIR)
    packages = {Path(__file__).parent} | {
        Path(config.path) for config in apps.get_app_configs() if Path(config.path).parent == root
    }
    digest = hashlib.blake2b(digest_size=16)
    for package in sorted(packages):
        for source in sorted(package.rglob("*.py")):
            digest.update(source.relative_to(root).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()
