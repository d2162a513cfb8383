"""The graph of the knowledge base: its tables (schema.py), the full build (build.py) and
the article-by-article update of `kb ingest` (update.py), claim clusters (clusters.py),
contradicts/supports edges (stances.py), degree, PageRank and communities (metrics.py,
computed in forked processes: forked.py), and export for other tools (export.py)."""
