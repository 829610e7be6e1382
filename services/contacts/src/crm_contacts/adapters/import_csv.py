"""CSV records from a byte stream, as the bytes arrive: nothing but the row being read is
held in memory.

The standard csv module parses; this module only decides where it is safe to hand it text.
A newline ends a record only outside quotes, and CSV escapes a quote by doubling it, so
a newline is a record boundary exactly when the quotes before it (since the last boundary)
are even in number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterator

# One record may be this long; a longer one is most likely a quote that never closes.
MAX_RECORD_CHARS = 1_000_000


class CsvFormatError(ValueError):
    """The bytes are not a CSV file we can read; `row` is the record it happened at."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(f"row {row}: {message}")
        self.row = row
        self.message = message


class _Splitter:
    """Cuts decoded text at record boundaries, keeping the unfinished record back."""

    def __init__(self) -> None:
        self.pending = ""

    def feed(self, text: str) -> str:
        """Append `text`; return the complete records now available (maybe empty)."""
        self.pending += text
        cut = self._last_boundary()
        block, self.pending = self.pending[:cut], self.pending[cut:]
        return block

    def _last_boundary(self) -> int:
        pending = self.pending
        if '"' not in pending:
            return pending.rfind("\n") + 1
        cut = position = 0
        odd = False
        while (newline := pending.find("\n", position)) >= 0:
            odd ^= pending.count('"', position, newline) % 2 == 1
            position = newline + 1
            if not odd:
                cut = position
        return cut


def _records(block: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(block, newline=""), delimiter=delimiter)


async def csv_records(
    chunks: AsyncIterable[bytes], *, encoding: str = "utf-8", delimiter: str = ","
) -> AsyncIterator[tuple[int, list[str]]]:
    """`(record number, cells)` for every non-blank record; number 1 is the header.

    UTF-8 may start with a byte-order mark. Raises CsvFormatError for bytes that are not
    text in `encoding` (UTF-16 without a byte-order mark too), a NUL character, or a
    record or field too long.
    """
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"
    decoder = codecs.getincrementaldecoder(encoding)()
    splitter = _Splitter()
    number = 0

    def parse(block: str) -> Iterator[tuple[int, list[str]]]:
        nonlocal number
        try:
            for cells in _records(block, delimiter):
                number += 1
                if any("\x00" in cell for cell in cells):
                    raise CsvFormatError(number, "the row holds a NUL character")
                if cells:
                    yield number, cells
        except csv.Error as exc:
            raise CsvFormatError(number + 1, str(exc)) from exc

    async for chunk in chunks:
        buffered = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            # Read the rows before the bad byte, so the error names the row it is in.
            readable = (buffered + chunk)[: exc.start].decode(exc.encoding, "replace")
            for _ in parse(splitter.feed(readable)):
                pass
            raise CsvFormatError(number + 1, f"the file is not {encoding} text") from exc
        except UnicodeError as exc:  # no byte position: e.g. UTF-16 without a byte-order mark
            raise CsvFormatError(number + 1, f"the file is not {encoding} text: {exc}") from exc
        for record in parse(splitter.feed(text)):
            yield record
        if len(splitter.pending) > MAX_RECORD_CHARS:
            raise CsvFormatError(number + 1, "a row is too long (a quoted cell that never closes?)")
    try:
        rest = splitter.pending + decoder.decode(b"", final=True)
    except UnicodeError as exc:
        raise CsvFormatError(number + 1, f"the file is not {encoding} text") from exc
    for record in parse(rest):
        yield record
