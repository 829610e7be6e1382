"""A multipart/form-data upload read as it arrives: the small form fields first, then the
file part as a stream of bytes (python-multipart's push parser, driven by the request).

The fields must come before the file, as S3's POST uploads require too: the import's
options are then known before its first row. curl -F, httpx and browsers' FormData send
parts in the order they are given.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

FILE_FIELD = "file"
MAX_FIELD_BYTES = 65_536
MAX_FIELDS = 20


class UploadFormError(ValueError):
    """The body is not the form an import expects."""


@dataclass
class StreamedForm:
    """The form's fields, the file's name, and its bytes as they arrive."""

    fields: dict[str, str]
    filename: str | None
    file: AsyncIterator[bytes]


class _Part:
    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.name = ""
        self.is_file = False
        self.data = bytearray()


class _Events:
    """python-multipart's callbacks, turned into a queue of ("field" | "file" | "data" |
    "end", value) events for the async driver."""

    def __init__(self) -> None:
        self.queue: deque[tuple[str, Any]] = deque()
        self.part = _Part()
        self.files = 0
        self.ended = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _begin(self) -> None:
        self.part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def _header_end(self) -> None:
        part = self.part
        part.headers[part.header_name.lower()] = part.header_value
        part.header_name = part.header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition"))
        if b"name" not in options:
            raise UploadFormError("every form part needs a name (Content-Disposition)")
        self.part.name = options[b"name"].decode("utf-8", "replace")
        self.part.is_file = self.part.name == FILE_FIELD
        if self.part.is_file:
            self.files += 1
            if self.files > 1:
                raise UploadFormError("send one file per import")
            filename = options.get(b"filename")
            self.queue.append(("file", filename.decode("utf-8", "replace") if filename else None))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part.is_file:
            self.queue.append(("data", bytes(data[start:end])))
            return
        self.part.data += data[start:end]
        if len(self.part.data) > MAX_FIELD_BYTES:
            raise UploadFormError(f"form field {self.part.name!r} is too long")

    def _part_end(self) -> None:
        if self.part.is_file:
            self.queue.append(("end", None))
        elif self.files:
            raise UploadFormError("form fields must come before the file")
        else:
            self.queue.append(("field", (self.part.name, self.part.data.decode("utf-8"))))

    def _end(self) -> None:
        self.ended = True


async def read_form(content_type: str, body: AsyncIterable[bytes]) -> StreamedForm:
    """Read the fields up to the `file` part; the returned form streams the file.

    Raises UploadFormError for a malformed body, a missing file or a field after it.
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise UploadFormError("multipart/form-data needs a boundary")
    events = _Events()
    parser = MultipartParser(boundary, events.callbacks())  # type: ignore[arg-type]
    chunks = aiter(body)

    async def pump() -> bool:
        """Feed the next chunk; False once the body has ended."""
        chunk = await anext(chunks, None)
        try:
            if chunk is None:
                parser.finalize()
                return False
            parser.write(chunk)
        except (MultipartParseError, UnicodeDecodeError) as exc:
            raise UploadFormError(f"the form is not valid multipart/form-data: {exc}") from exc
        return True

    fields: dict[str, str] = {}
    filename: str | None = None
    found = False
    while not found:
        while events.queue and not found:
            kind, value = events.queue.popleft()
            if kind == "field":
                fields[value[0]] = value[1]
                if len(fields) > MAX_FIELDS:
                    raise UploadFormError("too many form fields")
            elif kind == "file":
                filename, found = value, True
        if not found and not await pump():
            raise UploadFormError(f"the form has no {FILE_FIELD!r} part")

    async def file_bytes() -> AsyncIterator[bytes]:
        done = False
        while True:
            while events.queue:
                kind, value = events.queue.popleft()
                if kind == "data" and not done:
                    yield value
                elif kind == "end":
                    done = True
            if not await pump():
                break
        if not (done and events.ended):
            raise UploadFormError("the form ended before the file did")

    return StreamedForm(fields, filename, file_bytes())
