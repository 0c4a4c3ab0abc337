# Rule: owl-eq-rep-s-type
# If:   ?s owl:sameAs ?s2 and ?s rdf:type ?c, ?c a declared class
# Then: ?s2 rdf:type ?c
# Source: OWL 2 RL, Table 4 (eq-rep-s) for ?p = rdf:type, limited to declared classes (owl:Class)
#         so that an alias never becomes an owl:ObjectProperty or other schema term.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?s2 rdf:type ?c }
WHERE {
  ?s owl:sameAs ?s2 .
  # OPTIONAL and BOUND join as a plain join would, but make Oxigraph start from the owl:sameAs
  # triples (usually none): the plain join scanned every matching triple in every pass (about 1 s
  # a pass at 100k triples).
  OPTIONAL { ?s rdf:type ?c . ?c rdf:type owl:Class . }
  FILTER(BOUND(?c))
}
