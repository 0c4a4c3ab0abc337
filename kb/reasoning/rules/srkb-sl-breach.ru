# Rule: srkb-sl-breach
# If:   measurement ?m measures target ?t (srkb:measuresTarget) and achieved ?a (srkb:hasAchievedValue);
#       ?t has target value ?v and direction srkb:HigherIsBetter with ?a < ?v, or direction
#       srkb:LowerIsBetter with ?a > ?v
# Then: ?m rdf:type srkb:ServiceLevelBreach
# Source: ITIL 4 Practice guide: Service level management; ontology: the scope note of
#         srkb:ServiceLevelBreach. Comparing two numbers is beyond OWL, so HermiT and owlrl do not
#         derive breaches and this rule is the contract. Reaching the target exactly is no breach; a
#         value that is not a number compares as nothing (no breach, and shape P1-MeasurementIsComplete
#         reports it).
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX srkb: <https://w3id.org/srkb#>
INSERT { ?m rdf:type srkb:ServiceLevelBreach }
WHERE {
  ?m srkb:measuresTarget ?t ;
     srkb:hasAchievedValue ?a .
  ?t srkb:hasTargetValue ?v ;
     srkb:hasDirection ?d .
  FILTER (isNumeric(?a) && isNumeric(?v))
  FILTER ((sameTerm(?d, srkb:HigherIsBetter) && ?a < ?v) || (sameTerm(?d, srkb:LowerIsBetter) && ?a > ?v))
}
