"""Storage: the schema (schema.py), an analysed article as rows (rows.py) and their
search text (search_text.py), storing and replacing articles (articles.py), near-duplicate
lookup (duplicates.py), and `kb ingest` with its worker processes (ingest.py, turns.py)."""
