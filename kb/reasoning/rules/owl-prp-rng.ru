# Rule: owl-prp-rng
# If:   ?p rdfs:range ?c (a named class) and ?x ?p ?y (?y a resource, not a literal)
# Then: ?y rdf:type ?c
# Source: OWL 2 RL, Table 5 (prp-rng)
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y rdf:type ?c }
WHERE {
  ?p rdfs:range ?c .
  FILTER(isIRI(?c))
  ?p rdf:type owl:ObjectProperty .
  ?x ?p ?y .
  FILTER(!isLiteral(?y))
}
