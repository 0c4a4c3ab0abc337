# Rule: srkb-role-intermediary
# If:   ?o is a service provider and a service consumer
# Then: ?o rdf:type srkb:Intermediary
# Source: ITIL 4 Foundation, 2.2; ontology: srkb:Intermediary
# Role: srkb:Intermediary ?o
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org:  <http://www.w3.org/ns/org#>
INSERT { ?o rdf:type srkb:Intermediary }
WHERE {
  ?o rdf:type srkb:ServiceProvider .
  ?o rdf:type srkb:ServiceConsumer .
}
