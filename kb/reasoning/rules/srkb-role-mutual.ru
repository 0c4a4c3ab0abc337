# Rule: srkb-role-mutual
# If:   relationship ?r has provider ?p and consumer ?c, and ?c is the provider of a relationship
#       ?back whose consumer is ?p
# Then: ?r rdf:type srkb:MutualRelationship
# Source: ITIL 4 Foundation, 2.4; ontology: the SWRL rule srkb-role-mutual in srkb.ttl
#         A relationship whose provider is its consumer is mutual with nothing (invalid data gives no role).
# Role: srkb:MutualRelationship ?r
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org:  <http://www.w3.org/ns/org#>
INSERT { ?r rdf:type srkb:MutualRelationship }
WHERE {
  ?r rdf:type srkb:ServiceRelationship ;
     srkb:hasProvider ?p ;
     srkb:hasConsumer ?c .
  ?back srkb:hasProvider ?c ;
        srkb:hasConsumer ?p .
  MINUS { ?r srkb:hasProvider ?self ; srkb:hasConsumer ?self . }
  MINUS { ?back srkb:hasProvider ?selfBack ; srkb:hasConsumer ?selfBack . }
}
