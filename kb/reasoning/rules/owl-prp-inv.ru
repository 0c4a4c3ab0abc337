# Rule: owl-prp-inv
# If:   ?p owl:inverseOf ?q (either direction) and ?x ?p ?y
# Then: ?y ?q ?x
# Source: OWL 2 RL, Table 5 (prp-inv1, prp-inv2)
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y ?q ?x }
WHERE {
  { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p }
  FILTER(isIRI(?p) && isIRI(?q))
  ?x ?p ?y .
}
