"""Ecosystem questions: the named competency questions and the views built on them.

Questions are SPARQL files (``queries/<name>.rq``) loaded by name and run on any store
(:mod:`~kb.ecosystem.questions`); :mod:`~kb.ecosystem.views` reshapes their answers (roles per
organisation, provision cycles, practices); :mod:`~kb.ecosystem.impact` answers "who is affected if
this provider fails", with the paths.

May import: :mod:`kb.sparql`, :mod:`kb.store`, the base modules. Questions read what reasoning
wrote; they never run it.
"""
