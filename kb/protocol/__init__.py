"""The W3C protocols over a knowledge base: SPARQL 1.1 Protocol and Graph Store Protocol.

The HTTP service in :mod:`api` is a thin layer over these modules: checking and running protocol
queries and updates (:mod:`~kb.protocol.sparql_endpoint`, which runs them in the store's killable
query workers when it has them), and graph operations with inference kept up to date
(:mod:`~kb.protocol.graph_store`).

Before anything runs, a request is read and checked here too: which query or update, with which
dataset (:mod:`~kb.protocol.requests`), which graph and which RDF documents for the Graph Store
(:mod:`~kb.protocol.graph_store_requests`), and whether an update would write srkb's own graphs
(:mod:`~kb.protocol.update_guard`, which also gives ``DROP ALL``/``CLEAR NAMED`` their meaning
here: the user's graphs only).

May import: the knowledge-base facade (:mod:`kb.knowledge_base`) and everything below it. Never
:mod:`api` or :mod:`kb.cli`.
"""
