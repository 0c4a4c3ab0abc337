# Rule: owl-eq-rep-o
# If:   ?o owl:sameAs ?o2 and ?s ?p ?o, ?p a declared object property
# Then: ?s ?p ?o2
# Source: OWL 2 RL, Table 4 (eq-rep-o), for the object properties the ontology declares. A
#         relationship whose consumer has an alias then names both; the relationship shapes count
#         such values as one organisation (see shapes/service-relationships.ttl).
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?s ?p ?o2 }
WHERE {
  ?o owl:sameAs ?o2 .
  # OPTIONAL and BOUND join as a plain join would, but make Oxigraph start from the owl:sameAs
  # triples (usually none): the plain join scanned every matching triple in every pass (about 1 s
  # a pass at 100k triples).
  OPTIONAL { ?p rdf:type owl:ObjectProperty . ?s ?p ?o . }
  FILTER(BOUND(?s))
}
