"""The language-model extractor, pure: article -> chat-completion requests
(extract.llm.prompt), answers -> claims whose quotes are found in the article
(extract.llm.answers). Sending the requests is kb.llm's job: nothing here opens a
connection."""
from .prompt import Request, build_requests, prompt_version

__all__ = ["Request", "build_requests", "prompt_version"]
