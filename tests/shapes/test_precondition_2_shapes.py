"""Minimal pairs for the precondition 2 shapes: the service relationship practice.

Each test breaks the valid base ecosystem (conftest.py) in one way and asserts the exact findings:
(source shape, focus node, sh:value, severity).
"""

from rdflib import Graph, Namespace

SRKB = Namespace("https://w3id.org/srkb#")
EX = Namespace("https://example.org/campus#")

PRACTICE = EX["Finance-Practice"]
RESPONSIBILITY = EX["Finance-ManagerAccountableForReview"]


def test_p2_consumer_has_practice_no_practice(base: Graph, findings) -> None:
    base.remove((EX.Finance, SRKB.hasPractice, None))
    assert findings(base) == {("shapes:P2-ConsumerHasPractice", "ex:Finance", None, "sh:Violation")}


def test_p2_practice_defines_role_no_role(base: Graph, findings) -> None:
    base.remove((PRACTICE, SRKB.definesRole, None))
    assert findings(base) == {
        ("shapes:P2-PracticeDefinesRole", "ex:Finance-Practice", None, "sh:Violation")
    }


def test_p2_practice_defines_responsibility_no_responsibility(base: Graph, findings) -> None:
    """The activity then has no accountable role either; that is not reported a second time."""
    base.remove((PRACTICE, SRKB.definesResponsibility, None))
    assert findings(base) == {
        ("shapes:P2-PracticeDefinesResponsibility", "ex:Finance-Practice", None, "sh:Violation")
    }


def test_p2_practice_defines_activity_no_activity(base: Graph, findings) -> None:
    base.remove((PRACTICE, SRKB.definesActivity, None))
    assert findings(base) == {
        ("shapes:P2-PracticeDefinesActivity", "ex:Finance-Practice", None, "sh:Violation")
    }


def test_p2_practice_uses_tool_no_tool(base: Graph, findings) -> None:
    base.remove((PRACTICE, SRKB.usesTool, None))
    assert findings(base) == {
        ("shapes:P2-PracticeUsesTool", "ex:Finance-Practice", None, "sh:Violation")
    }


def test_p2_responsibility_is_complete_no_role(base: Graph, findings) -> None:
    base.remove((RESPONSIBILITY, SRKB.assignsRole, None))
    assert findings(base) == {
        (
            "shapes:P2-ResponsibilityIsComplete",
            "ex:Finance-ManagerAccountableForReview",
            "ex:Finance-ManagerAccountableForReview",
            "sh:Violation",
        )
    }


def test_p2_responsibility_is_complete_no_activity(base: Graph, findings) -> None:
    """Without its activity the responsibility no longer makes anyone accountable for it."""
    base.remove((RESPONSIBILITY, SRKB.concernsActivity, None))
    assert findings(base) == {
        (
            "shapes:P2-ResponsibilityIsComplete",
            "ex:Finance-ManagerAccountableForReview",
            "ex:Finance-ManagerAccountableForReview",
            "sh:Violation",
        ),
        (
            "shapes:P2-ActivityHasAccountableRole",
            "ex:Finance-RelationshipReview",
            "ex:Finance-RelationshipReview",
            "sh:Warning",
        ),
    }


def test_p2_responsibility_is_complete_two_kinds(base: Graph, findings) -> None:
    base.add((RESPONSIBILITY, SRKB.hasResponsibilityKind, SRKB.Responsible))
    assert findings(base) == {
        (
            "shapes:P2-ResponsibilityIsComplete",
            "ex:Finance-ManagerAccountableForReview",
            "ex:Finance-ManagerAccountableForReview",
            "sh:Violation",
        )
    }


def test_p2_responsibility_is_complete_kind_outside_raci(base: Graph, findings) -> None:
    base.remove((RESPONSIBILITY, SRKB.hasResponsibilityKind, None))
    base.add((RESPONSIBILITY, SRKB.hasResponsibilityKind, EX.Supportive))
    assert findings(base) == {
        (
            "shapes:P2-ResponsibilityIsComplete",
            "ex:Finance-ManagerAccountableForReview",
            "ex:Finance-ManagerAccountableForReview",
            "sh:Violation",
        ),
        (
            "shapes:P2-ActivityHasAccountableRole",
            "ex:Finance-RelationshipReview",
            "ex:Finance-RelationshipReview",
            "sh:Warning",
        ),
    }


def test_p2_role_is_held_nobody(base: Graph, findings) -> None:
    base.remove((EX["Finance-RelationshipManager"], SRKB.isHeldBy, None))
    assert findings(base) == {
        ("shapes:P2-RoleIsHeld", "ex:Finance-RelationshipManager", None, "sh:Warning")
    }


def test_p2_activity_has_accountable_role_only_responsible(base: Graph, findings) -> None:
    """The manager does the review but nobody answers for it."""
    base.remove((RESPONSIBILITY, SRKB.hasResponsibilityKind, SRKB.Accountable))
    base.add((RESPONSIBILITY, SRKB.hasResponsibilityKind, SRKB.Responsible))
    assert findings(base) == {
        (
            "shapes:P2-ActivityHasAccountableRole",
            "ex:Finance-RelationshipReview",
            "ex:Finance-RelationshipReview",
            "sh:Warning",
        )
    }


def test_p2_activity_has_accountable_role_accountable_in_another_practice(
    base: Graph, findings
) -> None:
    """Accountability recorded in IT's practice does not count for Finance's practice."""
    base.remove((PRACTICE, SRKB.definesActivity, EX["Finance-RelationshipReview"]))
    base.add((PRACTICE, SRKB.definesActivity, EX["IT-VendorReview"]))
    base.remove((RESPONSIBILITY, SRKB.concernsActivity, None))
    base.add((RESPONSIBILITY, SRKB.concernsActivity, EX["Finance-ContractCheck"]))
    assert findings(base) == {
        (
            "shapes:P2-ActivityHasAccountableRole",
            "ex:IT-VendorReview",
            "ex:IT-VendorReview",
            "sh:Warning",
        )
    }
