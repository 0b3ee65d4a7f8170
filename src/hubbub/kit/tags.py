"""Tag maps and the get-or-create matching rule shared by every surface.

Botpress's rule: an existing record matches a request when its tags match. Without
``discriminate_by``, every tag of the request must match the record's value exactly; with it, only
the listed tags must match and the others are not considered. A request with no discriminating
tag at all matches nothing (there is no key to look up), so it always creates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import orjson

TagMap = dict[str, str]
TagPatch = Mapping[str, str | None]


def apply_tag_patch(current: Mapping[str, str], patch: TagPatch) -> TagMap:
    """Set the patch's keys; a ``None`` or empty value removes the key."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


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
