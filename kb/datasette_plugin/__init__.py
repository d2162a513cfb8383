"""Datasette plugin of the knowledge base: SQL functions for Chinese text."""
from __future__ import annotations

from datasette import hookimpl

from kb.segment import segment_query, segment_text


@hookimpl
def prepare_connection(conn) -> None:
    # jieba_segment(text): words separated by spaces, simplified script, for FTS and search
    conn.create_function("jieba_segment", 1, segment_text, deterministic=True)
    conn.create_function("jieba_query", 1, segment_query, deterministic=True)
