# Rule: owl-prp-dom
# If:   ?p rdfs:domain ?c (a named class) and ?x ?p ?y
# Then: ?x rdf:type ?c
# Source: OWL 2 RL, Table 5 (prp-dom). Union domains (blank nodes) are left to the reasoner.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x rdf:type ?c }
WHERE {
  ?p rdfs:domain ?c .
  FILTER(isIRI(?c))
  ?x ?p ?y .
}
