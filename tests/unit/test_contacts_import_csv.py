"""Reading CSV records from a byte stream, whatever the chunk boundaries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_contacts.adapters.import_csv import MAX_RECORD_CHARS, CsvFormatError, csv_records


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(data: bytes, size: int = 7, **options: str) -> list[tuple[int, list[str]]]:
    return [record async for record in csv_records(_chunks(data, size), **options)]


TRICKY = (
    "\ufeffname,note\r\n"
    'Ada,"two\nlines, and a ""quote"""\r\n'
    "\r\n"
    "Bob,plain\n"
    'Cé,"x,y"'  # no newline at the end
).encode()
EXPECTED = [
    (1, ["name", "note"]),
    (2, ["Ada", 'two\nlines, and a "quote"']),
    (4, ["Bob", "plain"]),
    (5, ["Cé", "x,y"]),
]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 1000])
async def test_records_do_not_depend_on_where_the_chunks_end(size: int) -> None:
    # Record numbers count the blank line too: they are the rows a spreadsheet shows.
    assert await read(TRICKY, size) == EXPECTED


@given(
    cells=st.lists(
        st.lists(
            st.text(
                st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=8
            ),
            min_size=2,
            max_size=2,
        ),
        min_size=1,
        max_size=5,
    ),
    size=st.integers(1, 20),
)
async def test_any_quoted_content_survives_any_chunking(cells: list[list[str]], size: int) -> None:
    rows = [["a", "b"], *cells]
    text = "".join(",".join('"' + c.replace('"', '""') + '"' for c in row) + "\n" for row in rows)
    records = await read(text.encode(), size)
    assert [cells for _, cells in records] == rows


async def test_other_encodings_and_delimiters() -> None:
    data = "nom;ville\nÉlodie;Besançon\n".encode("latin-1")
    records = await read(data, 3, encoding="latin-1", delimiter=";")
    assert records == [(1, ["nom", "ville"]), (2, ["Élodie", "Besançon"])]


@pytest.mark.parametrize(
    ("data", "row", "message"),
    [
        (b"email\nok@example.com\n\xff\xfe\n", 3, "not utf-8-sig text"),
        (b"email\na\x00b@example.com\n", 2, "NUL"),
        (b"email\n" + b'"' + b"x" * (MAX_RECORD_CHARS + 10), 2, "too long"),
    ],
)
async def test_unreadable_files_name_the_row(data: bytes, row: int, message: str) -> None:
    with pytest.raises(CsvFormatError) as raised:
        await read(data, 65_536)
    assert raised.value.row == row
    assert message in raised.value.message
