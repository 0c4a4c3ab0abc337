"""The one declared mapping between srkb's tabular formats (YAML, workbook, CSV) and the ontology.

Governance teams keep their ecosystem in spreadsheets or YAML, not in Turtle. Both formats are
read and written through :data:`KINDS` below, which is data, not code per column: each *kind*
(a YAML section, a workbook sheet, a CSV file) is one class of the ontology, one row per thing,
with an ``id`` column and one column per property. :mod:`kb.interchange.importing` reads every
format through this table, :mod:`kb.interchange.tabular_export` writes through it, ``srkb template``
and ``docs/import-format.md`` describe it, and the tests check the three agree.

A column says which property it fills and how a cell becomes an RDF term:

- ``reference``: an IRI. A bare id names a row of this file (``base`` + id) and must exist, in
  one of the kinds listed in ``refers_to``; a full IRI (``https://...``) or a CURIE
  (``srkb:Accountable``, with srkb's or the file's own prefixes) may point anywhere.
- ``text``: words for people, a literal in the file's ``language`` (``en`` unless declared).
- ``string``: a plain string, optionally checked against a ``pattern`` (e-mail addresses).
- ``choice``: one word from a fixed list (``accountable``), standing for an IRI.
- ``number``: a decimal number (``99.9``, ``240``), written in its canonical form: a whole number as
  ``xsd:integer``, any other as ``xsd:decimal`` without trailing zeros, which is how a store keeps
  it, so that Turtle, the tabular formats and every store agree on the same literal.

``many`` columns take several values (a YAML list, or a comma-separated cell). ``inverse``
columns state the property from the value to the row: the ``registered_by`` cell of a component
row says ``<organisation> srkb:registersComponent <component>``, which is how a spreadsheet user
thinks ("this component is registered by IT") while the data keeps the ontology's direction.

>>> KIND_BY_NAME["relationships"].column("provider").required
True
>>> KIND_BY_NAME["components"].column("registered_by").inverse
True
"""

from __future__ import annotations

from kb.interchange.tabular_columns import (
    ABOUT_SHEET,
    AGENTS,
    FOAF,
    ID_COLUMN,
    ORG,
    ORGS,
    RDF_TYPE,
    RDFS_LABEL,
    SEPARATOR,
    SRKB,
    UNITS,
    Column,
    Kind,
    ValueKind,
    canonical_number,
)
from kb.interchange.tabular_columns import label_column as _label
from kb.interchange.tabular_columns import named_kind as _named
from kb.interchange.tabular_columns import ref_column as _ref
from kb.interchange.tabular_service_levels import SERVICE_LEVEL_KINDS

__all__ = [
    "ABOUT_SHEET",
    "FOAF",
    "ID_COLUMN",
    "KINDS",
    "KIND_BY_NAME",
    "ORG",
    "RDFS_LABEL",
    "RDF_TYPE",
    "SEPARATOR",
    "SRKB",
    "UNITS",
    "Column",
    "Kind",
    "ValueKind",
    "canonical_number",
]

KINDS: tuple[Kind, ...] = (
    Kind(
        "organisations",
        "organisation",
        "organisations that provide or consume services (W3C ORG org:Organization)",
        ORG + "Organization",
        (
            _label("IT Department"),
            _ref("units", ORG + "hasUnit", ("units",), "its units", example="ITServiceDesk"),
        ),
        "IT",
    ),
    Kind(
        "units",
        "unit",
        "units inside an organisation, such as a service desk (org:OrganizationalUnit)",
        ORG + "OrganizationalUnit",
        (
            _label("IT service desk"),
            _ref("unit_of", ORG + "unitOf", ORGS, "the organisation it is part of", example="IT"),
        ),
        "ITServiceDesk",
    ),
    Kind(
        "persons",
        "person",
        "people who hold practice roles or act as customer, user or sponsor (foaf:Person)",
        FOAF + "Person",
        (
            _label("Bob (IT relationship manager)"),
            _ref("member_of", ORG + "memberOf", ORGS, "where the person works", example="IT"),
        ),
        "bob",
    ),
    Kind(
        "services",
        "service",
        "services that organisations provide and consume (ITIL 4 Foundation 2.3)",
        SRKB + "Service",
        (
            _label("workplace IT"),
            _ref(
                "based_on_products",
                SRKB + "isBasedOnProduct",
                ("products",),
                "products whose resources the service uses",
                example="workplace-platform",
            ),
            _ref(
                "created_from",
                SRKB + "isCreatedFrom",
                ("components",),
                "registered components the service is built from",
                example="comp-it-network",
            ),
            _ref(
                "created_from_resources",
                SRKB + "isCreatedFromResource",
                ("resources",),
                "the provider's own resources the service is made with",
                example="",
            ),
            _ref(
                "utilities",
                SRKB + "providesUtility",
                ("utilities",),
                "what the service does for its consumers (its utility)",
                example="",
            ),
        ),
        "WorkplaceIT",
    ),
    Kind(
        "products",
        "product",
        "configurations of resources that services are based on (ITIL 4 Foundation 2.3.1)",
        SRKB + "Product",
        (
            _label("workplace platform"),
            _ref(
                "resources",
                SRKB + "consistsOfResource",
                ("resources",),
                "resources configured in it",
                example="laptop-fleet",
            ),
        ),
        "workplace-platform",
    ),
    Kind(
        "resources",
        "resource",
        "people, information, technology, space or money an organisation uses",
        SRKB + "Resource",
        (
            _label("laptop fleet"),
            _ref(
                "owned_by",
                SRKB + "ownsResource",
                ORGS,
                "organisations that own it",
                example="IT",
                inverse=True,
            ),
        ),
        "laptop-fleet",
    ),
    Kind(
        "offerings",
        "offering",
        "service offerings made for a consumer group (ITIL 4 Foundation 2.3.2)",
        SRKB + "ServiceOffering",
        (
            _label("workplace IT offering"),
            _ref("offered_by", SRKB + "isOfferedBy", ORGS, "who makes the offer", example="IT"),
            _ref(
                "services",
                SRKB + "describesService",
                ("services",),
                "services it describes",
                example="WorkplaceIT",
            ),
            _ref(
                "elements",
                SRKB + "includesElement",
                ("offering_elements",),
                "goods, resource accesses and service actions it includes",
                example="laptop",
            ),
            _ref(
                "consumer_groups",
                SRKB + "targetsConsumerGroup",
                ("consumer_groups",),
                "consumer groups it is made for",
                example="campus-departments",
            ),
        ),
        "offering-workplace-it",
    ),
    Kind(
        "offering_elements",
        "offering element",
        "the parts of an offering: goods, resource access or service actions",
        None,
        (
            Column(
                "type",
                RDF_TYPE,
                "choice",
                "goods, resource access or service action",
                required=True,
                choices={
                    "goods": SRKB + "Goods",
                    "resource access": SRKB + "ResourceAccess",
                    "service action": SRKB + "ServiceAction",
                },
                example="goods",
            ),
            _label("a laptop per employee"),
        ),
        "laptop",
    ),
    Kind(
        "consumer_groups",
        "consumer group",
        "the consumers an offering is designed for",
        SRKB + "ConsumerGroup",
        (
            _label("campus departments"),
            _ref(
                "members",
                SRKB + "includesMember",
                AGENTS,
                "organisations, units or persons in the group",
                example="IT",
            ),
        ),
        "campus-departments",
    ),
    Kind(
        "relationships",
        "relationship",
        "service relationships, each with one provider, consumer and service (ITIL 4 2.4)",
        SRKB + "ServiceRelationship",
        (
            _label("IT provides workplace IT to Finance"),
            _ref(
                "provider",
                SRKB + "hasProvider",
                ORGS,
                "the organisation that provides the service",
                example="IT",
                required=True,
                many=False,
            ),
            _ref(
                "consumer",
                SRKB + "hasConsumer",
                ORGS,
                "the organisation that consumes it",
                example="ex:Finance",
                required=True,
                many=False,
            ),
            _ref(
                "service",
                SRKB + "concernsService",
                ("services",),
                "the service provided and consumed",
                example="WorkplaceIT",
                required=True,
                many=False,
            ),
            _ref(
                "offering",
                SRKB + "isBasedOnOffering",
                ("offerings",),
                "the offering the consumer took up",
                example="offering-workplace-it",
            ),
            _ref(
                "agreement",
                SRKB + "isGovernedByAgreement",
                ("agreements",),
                "the agreement the relationship rests on",
                example="",
            ),
            _ref(
                "customers",
                SRKB + "hasCustomer",
                AGENTS,
                "who defines the requirements for the consumer",
                example="bob",
            ),
            _ref("users", SRKB + "hasUser", AGENTS, "who uses the service", example="bob"),
            _ref("sponsors", SRKB + "hasSponsor", AGENTS, "who pays for it", example="bob"),
            _ref(
                "activities",
                SRKB + "comprisesActivity",
                ("relationship_activities",),
                "its provision, consumption and relationship management",
                example="provision-workplace-it",
            ),
            _ref(
                "values",
                SRKB + "cocreatesValue",
                ("values",),
                "value created together",
                example="value-1",
            ),
            _ref(
                "outputs",
                SRKB + "deliversOutput",
                ("outputs",),
                "deliverables the provider hands over in it",
                example="",
            ),
            _ref(
                "outcomes",
                SRKB + "facilitatesOutcome",
                ("outcomes",),
                "outcomes it helps the consumer reach",
                example="outcome-1",
            ),
            _ref(
                "removes_costs",
                SRKB + "removesCost",
                ("costs",),
                "costs the consumer no longer carries",
                example="cost-1",
            ),
            _ref(
                "imposes_costs",
                SRKB + "imposesCost",
                ("costs",),
                "costs the consumer takes on",
                example="",
            ),
            _ref(
                "removes_risks",
                SRKB + "removesRisk",
                ("risks",),
                "risks taken off the consumer",
                example="risk-1",
            ),
            _ref(
                "imposes_risks",
                SRKB + "imposesRisk",
                ("risks",),
                "risks the consumer takes on",
                example="",
            ),
            _ref(
                "modifies_resources",
                SRKB + "modifiesResource",
                ("resources",),
                "consumer resources the service changes",
                example="laptop-fleet",
            ),
            _ref(
                "creates_resources",
                SRKB + "createsResource",
                ("resources",),
                "new resources it creates for the consumer",
                example="",
            ),
        ),
        "rel-it-finance-workplace",
    ),
    Kind(
        "relationship_activities",
        "relationship activity",
        "the provision, consumption and management a relationship is made of",
        None,
        (
            Column(
                "type",
                RDF_TYPE,
                "choice",
                "provision, consumption or relationship management",
                required=True,
                choices={
                    "provision": SRKB + "ServiceProvision",
                    "consumption": SRKB + "ServiceConsumption",
                    "relationship management": SRKB + "ServiceRelationshipManagement",
                },
                example="provision",
            ),
            _label("IT's provision of workplace IT to Finance"),
        ),
        "provision-workplace-it",
    ),
    _named("values", "value", SRKB + "Value", "value co-created in a relationship", "productivity"),
    _named("outcomes", "outcome", SRKB + "Outcome", "outcomes a consumer wants", "month-end close"),
    _named("costs", "cost", SRKB + "Cost", "costs a relationship removes or imposes", "IT staff"),
    _named("risks", "risk", SRKB + "Risk", "risks a relationship removes or imposes", "outage"),
    Kind(
        "outputs",
        "output",
        "deliverables a relationship hands over, as opposed to outcomes (ITIL 4 Foundation 2.5.1)",
        SRKB + "Output",
        (
            _label("configured laptops"),
            _ref(
                "contributes_to",
                SRKB + "contributesToOutcome",
                ("outcomes",),
                "outcomes it helps reach",
                example="outcome-1",
            ),
        ),
        "output-1",
    ),
    _named(
        "utilities",
        "utility",
        SRKB + "Utility",
        "what a service does for its consumers (ITIL 4 Foundation 2.5.4)",
        "test orders and results on line",
    ),
    Kind(
        "components",
        "component",
        "consumed services registered as components, with vendor information (precondition 1)",
        SRKB + "ServiceComponent",
        (
            _label("IT's network component"),
            _ref(
                "registered_by",
                SRKB + "registersComponent",
                ORGS,
                "the consumer that keeps it on record",
                example="IT",
                inverse=True,
            ),
            _ref(
                "refers_to_service",
                SRKB + "refersToService",
                ("services",),
                "the consumed service it registers",
                example="https://example.org/netco#Network",
            ),
            _ref(
                "vendor",
                SRKB + "hasVendor",
                ORGS,
                "who provides that service",
                example="https://example.org/netco#NetCo",
            ),
            _ref(
                "vendor_contact",
                SRKB + "hasVendorContact",
                ("contacts",),
                "how to reach the vendor about it",
                example="contact-netco",
            ),
            _ref(
                "agreement",
                SRKB + "isGovernedByAgreement",
                ("agreements",),
                "the agreement or contract it rests on",
                example="agr-network",
            ),
        ),
        "comp-it-network",
    ),
    Kind(
        "contacts",
        "contact",
        "ways to reach someone at a vendor: a desk, a person, an address",
        SRKB + "ContactPoint",
        (
            _label("NetCo account desk"),
            Column(
                "email",
                SRKB + "contactEmail",
                "string",
                "e-mail addresses",
                many=True,
                pattern=r"[^@\s,]+@[^@\s,]+\.[^@\s,]+",
                pattern_words="an e-mail address such as desk@example.org",
                example="accounts@netco.example.com",
            ),
            Column(
                "telephone",
                SRKB + "contactTelephone",
                "string",
                "telephone numbers",
                many=True,
                example="+44 20 7946 0300",
            ),
        ),
        "contact-netco",
    ),
    Kind(
        "agreements",
        "agreement",
        "contracts and service level agreements components and relationships rest on",
        SRKB + "Agreement",
        (
            _label("network contract"),
            Column(
                "reference",
                SRKB + "agreementReference",
                "string",
                "the number it is filed under",
                example="C-2022-055",
            ),
        ),
        "agr-network",
    ),
    *SERVICE_LEVEL_KINDS,
    Kind(
        "practices",
        "practice",
        "service relationship practices (precondition 2)",
        SRKB + "ServiceRelationshipPractice",
        (
            _label("IT's service relationship practice"),
            _ref(
                "organisation",
                SRKB + "hasPractice",
                ORGS,
                "the organisation that runs it",
                example="IT",
                inverse=True,
            ),
        ),
        "prac-it",
    ),
    Kind(
        "roles",
        "role",
        "roles a practice defines, and who holds them",
        SRKB + "PracticeRole",
        (
            _label("IT relationship manager"),
            _ref(
                "practice",
                SRKB + "definesRole",
                ("practices",),
                "the practice that defines it",
                example="prac-it",
                inverse=True,
            ),
            _ref("held_by", SRKB + "isHeldBy", AGENTS, "the person or unit", example="bob"),
        ),
        "role-it-relationship-manager",
    ),
    Kind(
        "responsibilities",
        "responsibility",
        "who is responsible, accountable, consulted or informed for which activity",
        SRKB + "Responsibility",
        (
            _label("relationship manager is accountable for reviews"),
            _ref(
                "practice",
                SRKB + "definesResponsibility",
                ("practices",),
                "the practice that assigns it",
                example="prac-it",
                inverse=True,
            ),
            _ref(
                "role",
                SRKB + "assignsRole",
                ("roles",),
                "the role that carries it",
                example="role-it-relationship-manager",
            ),
            _ref(
                "activity",
                SRKB + "concernsActivity",
                ("activities",),
                "the activity it is about",
                example="act-it-review",
            ),
            Column(
                "kind",
                SRKB + "hasResponsibilityKind",
                "choice",
                "responsible, accountable, consulted or informed (RACI)",
                choices={
                    "responsible": SRKB + "Responsible",
                    "accountable": SRKB + "Accountable",
                    "consulted": SRKB + "Consulted",
                    "informed": SRKB + "Informed",
                },
                example="accountable",
            ),
        ),
        "resp-it-review-a",
    ),
    Kind(
        "activities",
        "activity",
        "process activities a practice performs",
        SRKB + "PracticeActivity",
        (
            _label("review service relationships"),
            _ref(
                "practice",
                SRKB + "definesActivity",
                ("practices",),
                "the practice that performs it",
                example="prac-it",
                inverse=True,
            ),
            _ref(
                "tools",
                SRKB + "isSupportedByTool",
                ("tools",),
                "tools used to carry it out",
                example="tool-it-crm",
            ),
        ),
        "act-it-review",
    ),
    Kind(
        "tasks",
        "task",
        "units of work inside an activity",
        SRKB + "Task",
        (
            _label("register the component in the CMDB"),
            _ref(
                "activity",
                SRKB + "hasTask",
                ("activities",),
                "the activity it belongs to",
                example="act-it-review",
                inverse=True,
            ),
        ),
        "task-register",
    ),
    Kind(
        "tools",
        "tool",
        "information and technology a practice uses",
        SRKB + "Tool",
        (
            _label("IT relationship CRM"),
            _ref(
                "practice",
                SRKB + "usesTool",
                ("practices",),
                "practices that use it",
                example="prac-it",
                inverse=True,
            ),
        ),
        "tool-it-crm",
    ),
    Kind(
        "catalogues",
        "catalogue",
        "service catalogues and the services they list (precondition 3)",
        SRKB + "ServiceCatalogue",
        (
            _label("IT service catalogue"),
            _ref(
                "organisation",
                SRKB + "hasCatalogue",
                ORGS,
                "the organisation whose catalogue it is",
                example="IT",
                inverse=True,
            ),
            _ref(
                "services",
                SRKB + "listsService",
                ("services",),
                "services it lists",
                example="WorkplaceIT",
            ),
        ),
        "cat-it",
    ),
)

KIND_BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
