# Rule: srkb-role-vendor
# If:   ?o is an org:Organization named as the vendor of service component ?c
# Then: ?o rdf:type srkb:Vendor
# Source: ITIL 4 Practice guide: Supplier management; ontology: srkb:Vendor
# Role: srkb:Vendor ?o
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org:  <http://www.w3.org/ns/org#>
INSERT { ?o rdf:type srkb:Vendor }
WHERE {
  ?c srkb:hasVendor ?o ;
     rdf:type srkb:ServiceComponent .
  ?o rdf:type org:Organization .
}
