# Rule: owl-cax-eqc
# If:   ?c owl:equivalentClass ?d (both named classes) and ?x rdf:type one of them
# Then: ?x rdf:type the other
# Source: OWL 2 RL, Table 7 (cax-eqc1, cax-eqc2)
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x rdf:type ?d }
WHERE {
  { ?c owl:equivalentClass ?d } UNION { ?d owl:equivalentClass ?c }
  FILTER(isIRI(?c) && isIRI(?d))
  ?x rdf:type ?c .
}
