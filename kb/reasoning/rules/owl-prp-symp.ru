# Rule: owl-prp-symp
# If:   ?p a owl:SymmetricProperty and ?x ?p ?y
# Then: ?y ?p ?x
# Source: OWL 2 RL, Table 5 (prp-symp)
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y ?p ?x }
WHERE {
  ?p rdf:type owl:SymmetricProperty .
  ?x ?p ?y .
}
