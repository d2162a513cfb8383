"""Storage, graph, publishing and the command line of the claims knowledge base."""
