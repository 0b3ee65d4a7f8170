"""Reading a ``multipart/form-data`` body as it arrives, never whole in memory.

``python-multipart``'s push parser turns each received chunk into events (a part begins, some
of its bytes, it ends). ``read_form`` collects the small text fields that precede the file (the
presigned form's terms, as S3's POST policy also requires) and hands back the file part with an
async iterator over its bytes, which the caller streams straight to storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from hubbub.errors import InvalidInput

MAX_FIELDS = 50
MAX_FIELD_BYTES = 8 * 1024
FILE_FIELD = "file"

EventKind = Literal["part", "data", "end"]


@dataclass
class Part:
    name: str
    filename: str | None = None
    content_type: str | None = None


@dataclass
class _Collector:
    """Turns the parser's callbacks into a list of events for the chunk being fed."""

    events: list[tuple[EventKind, Part | bytes | None]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    header_name: bytes = b""
    header_value: bytes = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        name = self.header_name.decode("latin-1").lower()
        self.headers[name] = self.header_value.decode("utf-8", "replace")
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self.headers.get("content-disposition", ""))
        if disposition != b"form-data" or b"name" not in options:
            raise InvalidInput("every form part needs 'Content-Disposition: form-data; name=...'")
        filename = options.get(b"filename")
        part = Part(
            name=options[b"name"].decode("utf-8", "replace"),
            filename=None if filename is None else filename.decode("utf-8", "replace"),
            content_type=self.headers.get("content-type"),
        )
        self.headers = {}
        self.events.append(("part", part))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.events.append(("data", bytes(data[start:end])))

    def on_part_end(self) -> None:
        self.events.append(("end", None))


def boundary_of(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput(
            "the upload must be sent as multipart/form-data with a boundary",
            field="Content-Type",
        )
    return boundary


async def parse_events(
    content_type: str | None, body: AsyncIterable[bytes]
) -> AsyncIterator[tuple[EventKind, Part | bytes | None]]:
    collector = _Collector()
    parser = MultipartParser(
        boundary_of(content_type),
        callbacks={
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
        },
    )
    try:
        async for chunk in body:
            parser.write(chunk)
            for event in collector.events:
                yield event
            collector.events.clear()
        parser.finalize()
    except MultipartParseError as error:
        raise InvalidInput(f"the multipart body is malformed: {error}", field="body") from error
    for event in collector.events:
        yield event


async def read_form(
    content_type: str | None, body: AsyncIterable[bytes]
) -> tuple[dict[str, str], Part, AsyncIterator[bytes]]:
    """The text fields before the file, the file part, and its bytes as they arrive."""
    events = parse_events(content_type, body)
    fields: dict[str, str] = {}
    current: Part | None = None
    buffer = b""
    async for kind, value in events:
        if kind == "part":
            assert isinstance(value, Part)
            if value.filename is not None or value.name == FILE_FIELD:
                return fields, value, _file_bytes(events)
            current, buffer = value, b""
        elif kind == "data":
            assert isinstance(value, bytes)
            buffer += value
            if len(buffer) > MAX_FIELD_BYTES:
                raise InvalidInput(f"form fields hold at most {MAX_FIELD_BYTES} bytes")
        elif current is not None:
            fields[current.name] = buffer.decode("utf-8", "replace")
            if len(fields) > MAX_FIELDS:
                raise InvalidInput(f"the form has more than {MAX_FIELDS} fields")
            current = None
    raise InvalidInput(f"the form has no '{FILE_FIELD}' part", field=FILE_FIELD)


async def _file_bytes(
    events: AsyncIterator[tuple[EventKind, Part | bytes | None]],
) -> AsyncIterator[bytes]:
    async for kind, value in events:
        if kind == "end":
            return
        if kind == "data" and value:
            assert isinstance(value, bytes)
            yield value
    raise InvalidInput("the multipart body ended inside the file", field=FILE_FIELD)
