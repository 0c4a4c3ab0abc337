# Rule: owl-eq-sym
# If:   ?x owl:sameAs ?y
# Then: ?y owl:sameAs ?x
# Source: OWL 2 RL, Table 4 (eq-sym). Equality is read from the data: two IRIs (or blank nodes) name
#         one organisation only when owl:sameAs says so (srkb keeps the unique-name reading for the
#         rest, see the README on invalid and messy data).
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y owl:sameAs ?x }
WHERE {
  ?x owl:sameAs ?y .
  FILTER(!isLiteral(?y) && ?x != ?y)
}
