# Rule: owl-cax-sco
# If:   ?c rdfs:subClassOf ?d and ?x rdf:type ?c (?d a named class)
# Then: ?x rdf:type ?d
# Source: OWL 2 RL, Table 7 (cax-sco)
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x rdf:type ?d }
WHERE {
  ?c rdfs:subClassOf ?d .
  FILTER(isIRI(?d))
  ?x rdf:type ?c .
}
