"""Inference: SPARQL Update rules to a fixpoint, incrementally after writes; HermiT as oracle.

The rules (``rules/*.ru``, one file per OWL 2 RL rule or srkb role, each opening with its
Rule/If/Then header) are the contract for what srkb infers. :mod:`~kb.reasoning.inference` runs
them to a fixpoint into the inferred graph only; :mod:`~kb.reasoning.rule_dependencies` plans which
rule can feed which; :mod:`~kb.reasoning.incremental` re-infers the neighbourhood of a write;
:mod:`~kb.reasoning.hermit` asks HermiT (owlready2) for consistency and classification, the slow
oracle the tests compare the rules with.

May import: :mod:`kb.sparql`, :mod:`kb.store`, the base modules. Never interchange, validation or
above: reasoning reads and writes graphs, it does not parse files or judge data.
"""
