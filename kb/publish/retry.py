"""One more try for a page whose query met a schema change.

While a first `kb ingest` (its bulk load) or `kb graph --rebuild` changes the schema of the
database Datasette serves, a query being prepared on an FTS5 table can fail with "vtable
constructor failed: claims_fts" (FTS5 reads its own tables in the middle of the prepare and
meets the new schema); "database schema has changed" is the same race elsewhere. The change
is committed a moment later, so the page is fetched once more, inside Datasette, instead of
answering 500."""
from __future__ import annotations

import asyncio

from datasette import Response

TRANSIENT = ("vtable constructor failed", "database schema has changed")
RETRIED = "x-kb-retried"  # marks the second try: it is not tried a third time
PAUSE = 0.05  # seconds before trying again
HOP_HEADERS = {"content-length", "content-type", "transfer-encoding"}


def is_retryable(method: str, headers: dict, exception: BaseException) -> bool:
    """A GET that met a schema change and has not been tried again yet."""
    return method == "GET" and RETRIED not in headers and any(t in str(exception) for t in TRANSIENT)


async def fetch_again(datasette, request) -> Response:
    """The same page, fetched again through Datasette after a pause."""
    await asyncio.sleep(PAUSE)
    headers = {RETRIED: "1", **{k: v for k, v in request.headers.items() if k in ("cookie", "accept")}}
    again = await datasette.client.get(request.full_path, headers=headers)
    return Response(again.content, status=again.status_code,
                    headers={k: v for k, v in again.headers.items() if k.lower() not in HOP_HEADERS},
                    content_type=again.headers.get("content-type", "text/plain"))
