# Rule: owl-prp-trp
# If:   ?p a owl:TransitiveProperty and ?x ?p ?y and ?y ?p ?z
# Then: ?x ?p ?z
# Source: OWL 2 RL, Table 5 (prp-trp). One step per pass; the fixpoint closes it.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x ?p ?z }
WHERE {
  ?p rdf:type owl:TransitiveProperty .
  ?x ?p ?y .
  ?y ?p ?z .
}
