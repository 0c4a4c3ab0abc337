# Rule: owl-prp-spo2
# If:   ?p owl:propertyChainAxiom (?p1 ?p2) or (?p1 ?p2 ?p3), and ?x ?p1 ?y, ?y ?p2 ?z (, ?z ?p3 ?w)
# Then: ?x ?p ?z (or ?x ?p ?w)
# Source: OWL 2 RL, Table 5 (prp-spo2), for chains of two and three properties
# Each UNION branch names its own chain: SPARQL evaluates a group on its own (bottom-up), so a
# branch that only reused ?p1 and ?p2 from outside would join every triple with every triple.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x ?p ?end }
WHERE {
  {
    ?p owl:propertyChainAxiom ?list .
    ?list rdf:first ?p1 ; rdf:rest ?rest1 .
    ?rest1 rdf:first ?p2 ; rdf:rest rdf:nil .
    ?x ?p1 ?y . ?y ?p2 ?end .
  } UNION {
    ?p owl:propertyChainAxiom ?list .
    ?list rdf:first ?p1 ; rdf:rest ?rest1 .
    ?rest1 rdf:first ?p2 ; rdf:rest ?rest2 .
    ?rest2 rdf:first ?p3 ; rdf:rest rdf:nil .
    ?x ?p1 ?y . ?y ?p2 ?z . ?z ?p3 ?end .
  }
}
