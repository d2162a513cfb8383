"""Storage, graph, publishing and the command line of the claims knowledge base."""
from pathlib import Path

# the metadata.yml the project ships (the plugin gives it to every knowledge base served)
METADATA_FILE = Path(__file__).resolve().parent.parent / "metadata.yml"
