# Rule: owl-eq-rep-s
# If:   ?s owl:sameAs ?s2 and ?s ?p ?o, ?p a declared object or datatype property
# Then: ?s2 ?p ?o
# Source: OWL 2 RL, Table 4 (eq-rep-s), for the properties the ontology declares (types are
#         owl-eq-rep-s-type). Limiting ?p to declared properties keeps the schema out of reach:
#         an alias never gains rdfs:subClassOf or owl:inverseOf triples, so the rule plan holds.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?s2 ?p ?o }
WHERE {
  ?s owl:sameAs ?s2 .
  # OPTIONAL and BOUND join as a plain join would, but make Oxigraph start from the owl:sameAs
  # triples (usually none): the plain join scanned every matching triple in every pass (about 1 s
  # a pass at 100k triples).
  OPTIONAL {
    { ?p rdf:type owl:ObjectProperty } UNION { ?p rdf:type owl:DatatypeProperty }
    ?s ?p ?o .
  }
  FILTER(BOUND(?o))
}
