"""The tabular kinds of service levels: targets of agreements and their measurements.

Part of the one declared mapping (:data:`kb.interchange.tabular_mapping.KINDS` lists these two
kinds after ``agreements``). A ``targets`` row names its agreement (an inverse column: the data says
``<agreement> srkb:hasServiceLevelTarget <target>``), the metric in words, the number to reach, a
QUDT unit, the reporting period, the direction and the warranty aspects it assures; a
``measurements`` row names its target, the ISO 8601 period it covers and the number achieved.
Breaches are never written: the engine derives them (rule ``srkb-sl-breach``).
"""

from __future__ import annotations

from kb.interchange.tabular_columns import (
    PERIOD_PATTERN,
    SRKB,
    UNITS,
    Column,
    Kind,
    label_column,
    ref_column,
)

SERVICE_LEVEL_KINDS: tuple[Kind, ...] = (
    Kind(
        "targets",
        "target",
        "service level targets of agreements: metric, value, unit, period, direction (ITIL 4 SLM)",
        SRKB + "ServiceLevelTarget",
        (
            label_column("campus network availability"),
            ref_column(
                "agreement",
                SRKB + "hasServiceLevelTarget",
                ("agreements",),
                "the agreements that set it",
                example="agr-network",
                inverse=True,
            ),
            Column(
                "metric",
                SRKB + "hasMetric",
                "text",
                "what is measured, in words",
                example="share of the month the network is up",
            ),
            Column(
                "value",
                SRKB + "hasTargetValue",
                "number",
                "the number to reach, in the unit",
                example="99.95",
            ),
            Column(
                "unit",
                SRKB + "hasUnit",
                "choice",
                "the unit of value and measurements (a QUDT unit)",
                choices=UNITS,
                example="percent",
            ),
            Column(
                "period",
                SRKB + "hasReportingPeriod",
                "choice",
                "how often it is assessed",
                choices={
                    "daily": SRKB + "Daily",
                    "weekly": SRKB + "Weekly",
                    "monthly": SRKB + "Monthly",
                    "quarterly": SRKB + "Quarterly",
                    "yearly": SRKB + "Yearly",
                },
                example="monthly",
            ),
            Column(
                "direction",
                SRKB + "hasDirection",
                "choice",
                "which way is better",
                choices={
                    "higher is better": SRKB + "HigherIsBetter",
                    "lower is better": SRKB + "LowerIsBetter",
                },
                example="higher is better",
            ),
            Column(
                "warranty",
                SRKB + "assuresWarranty",
                "choice",
                "the warranty aspect it assures, if any",
                choices={
                    "availability": SRKB + "Availability",
                    "capacity": SRKB + "Capacity",
                    "security": SRKB + "Security",
                    "continuity": SRKB + "Continuity",
                },
                many=True,
                example="availability",
            ),
            ref_column(
                "utilities",
                SRKB + "assuresUtility",
                ("utilities",),
                "the utility whose delivery it measures",
                example="",
            ),
        ),
        "target-network-availability",
    ),
    Kind(
        "measurements",
        "measurement",
        "what a target achieved over one period; a miss is derived as a breach",
        SRKB + "ServiceLevelMeasurement",
        (
            label_column("campus network availability, October 2026"),
            ref_column(
                "target",
                SRKB + "measuresTarget",
                ("targets",),
                "the target measured",
                example="target-network-availability",
                required=True,
                many=False,
            ),
            Column(
                "period",
                SRKB + "coversPeriod",
                "string",
                "the period measured",
                pattern=PERIOD_PATTERN,
                pattern_words="an ISO 8601 year, month, day, quarter or week such as 2026, "
                "2026-10, 2026-10-14, 2026-Q3 or 2026-W44",
                example="2026-10",
            ),
            Column(
                "achieved",
                SRKB + "hasAchievedValue",
                "number",
                "the number reached, in the target's unit",
                example="99.97",
            ),
        ),
        "measure-network-2026-10",
    ),
)
