# Rule: srkb-role-customer
# If:   ?a is linked by srkb:hasCustomer from service relationship ?r
# Then: ?a rdf:type srkb:Customer
# Source: ITIL 4 Foundation, 2.2.3 Service consumers; ontology: srkb:Customer
#         A relationship whose provider is its consumer (invalid: SR-ProviderIsNotConsumer) gives no role.
# Role: srkb:Customer ?a
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org:  <http://www.w3.org/ns/org#>
INSERT { ?a rdf:type srkb:Customer }
WHERE {
  ?r srkb:hasCustomer ?a ;
     rdf:type srkb:ServiceRelationship .
  MINUS { ?r srkb:hasProvider ?self ; srkb:hasConsumer ?self . }
}
