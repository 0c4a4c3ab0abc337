"""SPARQL as a language: safe text building, provable rewrites, result serialisations.

The lowest layer above :mod:`kb.errors` and :mod:`kb.namespaces`: it knows SPARQL text and
result formats, never a store. Everything that writes SPARQL at run time goes through
:mod:`kb.sparql.text` (terms escaped by rdflib, parameters as ``VALUES``, datasets as
``WITH``/``USING``), so there is one place to get escaping right.

May import: :mod:`kb.errors`, :mod:`kb.namespaces`, rdflib. Nothing else of srkb.

Modules:
    text: terms, ``INSERT DATA`` blocks, parameter bindings, dataset clauses, rdflib's parser lock.
    rewrite: ``FILTER [NOT] EXISTS`` into ``MINUS`` or a join where that provably changes nothing.
    results: SPARQL results and graph serialisations, and content negotiation among them.
    guard: measures and classifies a user's query or update before any engine parses it.
"""
