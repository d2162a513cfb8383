"""The language-model extractor's side that talks to the world: the requests an ingest
needs (kb.llm.requests), answers from an OpenAI-compatible server (kb.llm.client) or a
Batch output file (kb.llm.batch), kept in the database's cache (kb.llm.cache) so an
answered question is never asked again."""
