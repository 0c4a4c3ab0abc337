"""The W3C protocols over a knowledge base: SPARQL 1.1 Protocol and Graph Store Protocol.

The HTTP service in :mod:`api` is a thin layer over these modules: checking and running protocol
queries and updates (:mod:`~kb.protocol.sparql_endpoint`, which runs them in the store's killable
query workers when it has them), and graph operations with inference kept up to date
(:mod:`~kb.protocol.graph_store`).

May import: the knowledge-base facade (:mod:`kb.knowledge_base`) and everything below it. Never
:mod:`api` or :mod:`kb.cli`.
"""
