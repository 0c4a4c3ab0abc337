# Rule: owl-prp-spo1
# If:   ?p rdfs:subPropertyOf ?q and ?x ?p ?y
# Then: ?x ?q ?y
# Source: OWL 2 RL, Table 5 (prp-spo1)
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x ?q ?y }
WHERE {
  ?p rdfs:subPropertyOf ?q .
  FILTER(isIRI(?p) && isIRI(?q) && ?p != ?q)
  ?x ?p ?y .
}
