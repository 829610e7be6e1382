"""A multipart upload read as it arrives: fields first, then the file as a stream."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from crm_contacts.adapters.import_multipart import UploadFormError, read_form

CSV = b"email\nada@example.com\n" * 50


def form(files_first: bool = False) -> tuple[str, bytes]:
    files = {"file": ("people.csv", CSV, "text/csv")}
    data = {"mapping": '{"email": "email"}', "dedup": "update"}
    request = httpx.Request("POST", "http://x/", data=data, files=files)
    return request.headers["content-type"], request.read()


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("size", [1, 17, 4096])
async def test_fields_then_the_file_whatever_the_chunking(size: int) -> None:
    content_type, body = form()
    uploaded = await read_form(content_type, chunks(body, size))
    assert uploaded.fields == {"mapping": '{"email": "email"}', "dedup": "update"}
    assert uploaded.filename == "people.csv"
    assert b"".join([chunk async for chunk in uploaded.file]) == CSV


async def test_a_field_after_the_file_is_refused() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        b'email\n\r\n--b\r\nContent-Disposition: form-data; name="mapping"\r\n\r\n{}\r\n--b--\r\n'
    )
    uploaded = await read_form("multipart/form-data; boundary=b", chunks(body, 10))
    with pytest.raises(UploadFormError, match="before the file"):
        [chunk async for chunk in uploaded.file]


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("multipart/form-data", b"", "boundary"),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n',
            "no 'file' part",
        ),
        ("multipart/form-data; boundary=b", b"garbage", "not valid multipart"),
    ],
)
async def test_bodies_that_are_not_an_import_form(
    content_type: str, body: bytes, message: str
) -> None:
    with pytest.raises(UploadFormError, match=message):
        await read_form(content_type, chunks(body, 4))


async def test_a_cut_off_upload_is_an_error_not_a_short_file() -> None:
    content_type, body = form()
    uploaded = await read_form(content_type, chunks(body[:-40], 64))
    with pytest.raises(UploadFormError, match="ended before"):
        [chunk async for chunk in uploaded.file]
