"""The README's platform tables are rendered from the descriptors: they cannot go stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubbub.connectors import registry
from hubbub.connectors.platform import PlatformDescriptor

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN = "<!-- platform tables: rendered by tests/connectors/test_platform_docs.py -->"
END = "<!-- end of platform tables -->"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _facts(descriptor: PlatformDescriptor) -> str:
    window = descriptor.service_window
    hours = f"{window.length.total_seconds() / 3600:g} h" if window is not None else "none"
    provider = "Hubbub" if descriptor.self_provided else "its connector"
    if descriptor is registry.SANDBOX:
        provider = "the sandbox"
    media = "limited" if descriptor.media_rules else "any file"
    cells = [
        f"`{descriptor.name}`",
        f"`{descriptor.identifier_key}`",
        _yes(descriptor.several_recipients),
        _yes(descriptor.group_conversations),
        hours,
        media,
        provider,
    ]
    return "| " + " | ".join(cells) + " |"


def _type(schema: dict[str, Any]) -> str:
    kinds = [item.get("type") for item in schema.get("anyOf", [schema])]
    return " or ".join(str(kind) for kind in kinds if kind not in (None, "null"))


def _settings(descriptor: PlatformDescriptor) -> list[str]:
    schema = descriptor.settings.model_json_schema(by_alias=True)["properties"]
    fields = {(info.alias or name): info for name, info in descriptor.settings.model_fields.items()}
    rows = []
    for key in descriptor.config_keys:
        meaning = (fields[key].description or "").replace("``", "`")
        cells = [
            f"`{descriptor.name}`",
            f"`{key}`",
            _type(schema[key]),
            _yes(key in descriptor.required_fields),
            _yes(key in descriptor.secret_fields),
            meaning,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def render() -> str:
    descriptors = registry.BUILT_IN
    lines = [
        BEGIN,
        "| platform | contacts by | several recipients | group conversations "
        "| service window | media | delivered by (with settings) |",
        "|---|---|---|---|---|---|---|",
        *(_facts(d) for d in descriptors),
        "",
        "| platform | setting | type | required | secret | meaning |",
        "|---|---|---|---|---|---|",
        *(row for d in descriptors for row in _settings(d)),
        "",
        "Platforms missing from the second table take no settings.",
        END,
    ]
    return "\n".join(lines)


def test_the_readme_tables_match_the_descriptors() -> None:
    text = README.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    expected = render()
    assert text[start:end] == expected, f"replace the README's platform tables with:\n{expected}"
