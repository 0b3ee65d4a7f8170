"""Tag maps, the private-tag rule and the get-or-create matching rule shared by every surface.

**Private tags.** A key starting with ``$`` is private to the surface that wrote it:
``$<surface>:<name>`` (``private_tag("recrubo", "sendBy")``). A dialect keeps there what its
wire format has and the core has no field for (Recrubo's ``sendBy``, Bird's ``replyTo``,
Channel.io's block extras). Why a reserved prefix instead of ordinary tags: one message is
readable through every surface with the same content, so another surface must never show one
dialect's bookkeeping as if a user had set it, and a client must never be able to forge,
remove or probe it. Hence:

- every surface renders ``public_tags(...)`` only (the native schemas drop ``$`` keys when
  serialized to JSON, which also covers the event log and webhook payloads);
- no client may set, remove or filter by a ``$`` key: ``check_client_tags`` refuses them where
  the core services receive a client's tags (one rule, so every surface answers it in its own
  error shape), and ``apply_client_tag_patch`` leaves stored ``$`` keys untouched;
- a surface passes its own private tags to the core separately from the client's tags.

**Get-or-create.** Botpress's rule: an existing record matches a request when its tags match.
Without ``discriminate_by``, every tag of the request must match the record's value exactly; with
it, only the listed tags must match and the others are not considered. A request with no
discriminating tag at all matches nothing (there is no key to look up), so it always creates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Final

import orjson

from hubbub.errors import UnprocessableEntity

TagMap = dict[str, str]
TagPatch = Mapping[str, str | None]

PRIVATE_PREFIX: Final = "$"


def is_private(key: str) -> bool:
    return key.startswith(PRIVATE_PREFIX)


def private_tag(surface: str, name: str) -> str:
    """The key under which ``surface`` keeps its private value ``name``."""
    return f"{PRIVATE_PREFIX}{surface}:{name}"


def public_tags(tags: Mapping[str, str]) -> TagMap:
    """The tags a surface may show: every private (``$``) key dropped."""
    return {key: value for key, value in tags.items() if not is_private(key)}


def private_value(
    tags: Mapping[str, str], surface: str, name: str, *, legacy_key: str | None = None
) -> str | None:
    """``surface``'s private value ``name``; ``legacy_key`` is where the surface kept it before
    it was private (still read, never written)."""
    value = tags.get(private_tag(surface, name))
    if value is None and legacy_key is not None:
        value = tags.get(legacy_key)
    return value


def check_client_tags(keys: Iterable[str], *, field: str = "tags") -> None:
    """Refuse a client's tags, tag patch, tag filter or discriminator naming a private key."""
    for key in keys:
        if is_private(key):
            raise UnprocessableEntity(
                f"tag keys starting with '{PRIVATE_PREFIX}' are reserved: '{key}' cannot be "
                "set, removed or filtered by",
                field=field,
                details={"key": key},
            )


def check_private_tags(tags: Mapping[str, str | None]) -> None:
    """A surface's private tags must all be private keys (a programming error otherwise)."""
    public = [key for key in tags if not is_private(key)]
    if public:
        raise ValueError(f"not private tag keys: {public}")


def apply_tag_patch(current: Mapping[str, str], patch: TagPatch) -> TagMap:
    """Set the patch's keys; a ``None`` or empty value removes the key."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def apply_client_tag_patch(current: Mapping[str, str], patch: TagPatch) -> TagMap:
    """A client's patch: like ``apply_tag_patch``, but private keys of the patch are ignored
    (``check_client_tags`` refused them earlier), so stored ``$`` keys survive untouched."""
    return apply_tag_patch(current, {k: v for k, v in patch.items() if not is_private(k)})


def discriminating_tags(tags: TagPatch, discriminate_by: Iterable[str] | None) -> TagMap:
    """The tags a lookup must match. Keys removed by the request (None/empty) never match."""
    present = {k: v for k, v in tags.items() if v is not None and v != ""}
    if discriminate_by is None:
        return present
    wanted = set(discriminate_by)
    return {k: v for k, v in present.items() if k in wanted}


def tags_match(record: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return bool(wanted) and all(record.get(k) == v for k, v in wanted.items())


def discriminator_digest(kind: str, scope: str, wanted: Mapping[str, str]) -> str:
    """One value per (kind, scope, tag set): a unique index on it makes concurrent identical
    get-or-create calls create exactly one row."""
    blob = orjson.dumps([kind, scope, sorted(wanted.items())])
    return hashlib.sha256(blob).hexdigest()
