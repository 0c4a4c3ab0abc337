# Rule: srkb-role-ctp
# If:   organisation ?o consumes service ?s1 in relationship ?r1, registers component ?c that refers
#       to ?s1, service ?s2 is created from ?c, and ?o provides ?s2 in relationship ?r2 to ?consumer
# Then: ?o rdf:type srkb:ConsumerTurnedProvider
# Source: ITIL 4 Foundation, 2.4.1 The service relationship model; ontology: the SWRL rule
#         srkb-role-ctp in srkb.ttl says the same. Serving back the provider of ?s1 counts.
#         Neither relationship may have its provider as its consumer (invalid data gives no role).
# Role: srkb:ConsumerTurnedProvider ?o
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org:  <http://www.w3.org/ns/org#>
INSERT { ?o rdf:type srkb:ConsumerTurnedProvider }
WHERE {
  ?o rdf:type org:Organization .
  ?r1 srkb:hasConsumer ?o ;
      srkb:concernsService ?s1 .
  ?o srkb:registersComponent ?c .
  ?c srkb:refersToService ?s1 .
  ?s2 srkb:isCreatedFrom ?c .
  ?r2 srkb:concernsService ?s2 ;
      srkb:hasProvider ?o ;
      srkb:hasConsumer ?consumer .
  MINUS { ?r1 srkb:hasProvider ?self1 ; srkb:hasConsumer ?self1 . }
  MINUS { ?r2 srkb:hasProvider ?self2 ; srkb:hasConsumer ?self2 . }
}
