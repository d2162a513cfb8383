"""Column facets counted in one pass over the rows of a page.

Datasette's column facet runs one query per column, and each query looks up every row of
the page's selection again: on a search of the claims table (thousands of matching claims
in a file of a gigabyte) each lookup pass costs about as much as the search. A `columns`
facet of metadata.yml (`facets: [{columns: [type, stance, section]}]`) counts all its
columns with one `group by` over the selection and shows each column as Datasette's own
column facet would (same counts, order, links and JSON). Meant for columns of a few
values: the query returns one row per combination of them."""
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
            names = config.get("simple", config) if isinstance(config, dict) else config
            out += [(name, source_and_config["source"]) for name in ([names] if isinstance(names, str) else names)]
        return out

    async def facet_results(self):
        columns = self._columns()
        if not columns:
            return [], []
        names = ", ".join(escape_sqlite(name) for name, _ in columns)
        sql = f"select {names}, count(*) from ({self.sql}) group by {names}"
        try:
            rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                         custom_time_limit=self.ds.setting("facet_time_limit_ms"))
        except QueryInterrupted:
            return [], [name for name, _ in columns]
        counts = [Counter() for _ in columns]
        for row in rows.rows:
            for i, value in enumerate(row[:-1]):
                if value is not None:
                    counts[i][value] += row[-1]
        return [await self._facet_info(name, source, count) for (name, source), count in zip(columns, counts)], []

    async def _facet_info(self, column: str, source: str, counts: Counter) -> dict:
        """One column's facet, in the shape of Datasette's column facet."""
        size = self.get_facet_size()
        ordered = sorted(counts.items(), key=lambda vc: (-vc[1], _sqlite_order(vc[0])))
        expanded = (await self.ds.expand_foreign_keys(self.database, self.table, column, [v for v, _ in ordered[:size]])
                    if self.table else {})
        qs_pairs = self.get_querystring_pairs()
        column_qs = f"{column}__exact" if column.startswith("_") else column
        results = []
        for value, count in ordered[:size]:
            selected = (column_qs, str(value)) in qs_pairs
            toggle = (path_with_removed_args(self.request, {column_qs: str(value)}) if selected
                      else path_with_added_args(self.request, {column_qs: value}))
            results.append({"value": value, "label": expanded.get((column, value), value), "count": count,
                            "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                            "selected": selected})
        return {"name": column, "type": "column", "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": results, "truncated": len(ordered) > size}
