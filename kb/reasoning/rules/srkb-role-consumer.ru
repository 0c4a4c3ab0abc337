# Rule: srkb-role-consumer
# If:   ?o is an org:Organization and the consumer of service relationship ?r
# Then: ?o rdf:type srkb:ServiceConsumer
# Source: ITIL 4 Foundation, 2.2.3 Service consumers; ontology: srkb:ServiceConsumer
#         A relationship whose provider is its consumer (invalid: SR-ProviderIsNotConsumer) gives no role.
# Role: srkb:ServiceConsumer ?o
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org:  <http://www.w3.org/ns/org#>
INSERT { ?o rdf:type srkb:ServiceConsumer }
WHERE {
  ?r srkb:hasConsumer ?o ;
     rdf:type srkb:ServiceRelationship .
  ?o rdf:type org:Organization .
  MINUS { ?r srkb:hasProvider ?self ; srkb:hasConsumer ?self . }
}
