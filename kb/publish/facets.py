"""Column facets of a search counted in one pass over the claims it found.

Datasette's column facet runs one query per column, and each query looks up every row of
the page's selection again: on a search of the claims table (thousands of matching claims
in a file of a gigabyte) each lookup pass costs about as much as the search. A `columns`
facet of metadata.yml (`facets: [{columns: [type, stance, section]}]`) counts all its
columns with one `group by` over the selection and shows each column as Datasette's own
column facet would (same counts, order, links and JSON). Meant for columns of a few
values: the query returns one row per combination of them. Without a search, a query per
column is faster: it is answered from the column's index (idx_claims_type …), which a
group-by over several columns cannot use (the whole claims table at 191k claims: 86 ms a
page by index, 235 ms in one pass), so that is what such a page runs."""
from __future__ import annotations

from collections import Counter

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args


def _sqlite_order(value) -> tuple:
    """Sort key of a value as SQLite orders them: numbers before text before blobs."""
    return (isinstance(value, str) + 2 * isinstance(value, bytes), value)


class ColumnsFacet(Facet):
    type = "columns"

    def _columns(self) -> list[tuple[str, str]]:
        """(column, where its config came from) for every column of every `columns` config."""
        out = []
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            # metadata.yml's {columns: [a, b]}; ?_facet_columns=a or ?_facet_columns={"columns": [a, b]}
            names = config if isinstance(config, list) else config.get("columns") or config.get("simple") or []
            out += [(name, source_and_config["source"]) for name in ([names] if isinstance(names, str) else names)]
        return out

    async def facet_results(self):
        columns = self._columns()
        if not columns:
            return [], []
        size = self.get_facet_size()
        searched = any(k.startswith("_search") for k in self.request.args)
        try:
            counted = await (self._in_one_pass(columns, size) if searched else self._by_column(columns, size))
        except QueryInterrupted:
            return [], [name for name, _ in columns]
        return [await self._facet_info(name, source, rows, size) for (name, source), rows in zip(columns, counted)], []

    async def _query(self, sql: str):
        return await self.ds.execute(self.database, sql, self.params, truncate=False,
                                     custom_time_limit=self.ds.setting("facet_time_limit_ms"))

    async def _in_one_pass(self, columns: list[tuple[str, str]], size: int) -> list[list[tuple]]:
        """(value, count) of each column, most frequent first, from one group-by."""
        names = ", ".join(escape_sqlite(name) for name, _ in columns)
        counts = [Counter() for _ in columns]
        for row in (await self._query(f"select {names}, count(*) from ({self.sql}) group by {names}")).rows:
            for i, value in enumerate(row[:-1]):
                if value is not None:
                    counts[i][value] += row[-1]
        return [sorted(c.items(), key=lambda vc: (-vc[1], _sqlite_order(vc[0])))[:size + 1] for c in counts]

    async def _by_column(self, columns: list[tuple[str, str]], size: int) -> list[list[tuple]]:
        """(value, count) of each column, most frequent first, from a query per column."""
        out = []
        for name, _ in columns:
            col = escape_sqlite(name)
            rows = await self._query(f"select {col}, count(*) as n from ({self.sql}) where {col} is not null "
                                     f"group by {col} order by n desc, {col} limit {size + 1}")
            out.append([tuple(r) for r in rows.rows])
        return out

    async def _facet_info(self, column: str, source: str, rows: list[tuple], size: int) -> dict:
        """One column's facet, in the shape of Datasette's column facet, from its (value, count)
        rows, most frequent first (one more than the facet shows, if there are more)."""
        shown = rows[:size]
        expanded = (await self.ds.expand_foreign_keys(self.database, self.table, column, [v for v, _ in shown])
                    if self.table else {})
        qs_pairs = self.get_querystring_pairs()
        column_qs = f"{column}__exact" if column.startswith("_") else column
        results = []
        for value, count in shown:
            selected = (column_qs, str(value)) in qs_pairs
            toggle = (path_with_removed_args(self.request, {column_qs: str(value)}) if selected
                      else path_with_added_args(self.request, {column_qs: value}))
            results.append({"value": value, "label": expanded.get((column, value), value), "count": count,
                            "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                            "selected": selected})
        return {"name": column, "type": "column", "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": results, "truncated": len(rows) > size}
