# Rule: owl-eq-trans
# If:   ?x owl:sameAs ?y and ?y owl:sameAs ?z
# Then: ?x owl:sameAs ?z
# Source: OWL 2 RL, Table 4 (eq-trans). One step per pass; the fixpoint closes it. The reflexive
#         ?x owl:sameAs ?x (eq-ref) is left out: it would add a triple for every term and change
#         nothing the roles or checks read.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x owl:sameAs ?z }
WHERE {
  ?x owl:sameAs ?y .
  ?y owl:sameAs ?z .
  FILTER(?x != ?z)
}
