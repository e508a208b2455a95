"""`report.json`: everything `hardened ci` found, as one JSON document (schema version 1), for scripts and bots.

Every field of the model (`findings.py`) is there under its own name: the two sides, the stacks (status, counts,
posture at each side), the findings (a location as `{path, line}` or null), the plans this run computed, and the
verdict: `gate` ("fail" or "pass") and `exit_status` (1 when a finding fails the gate at `fail_on`, else 0).
`report_json_text` dumps it with sorted keys, so the same report is the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from .findings import Report

SCHEMA_VERSION = 1


def report_document(report: Report) -> dict:
    """The report as plain JSON data: lists in the report's order, the stacks each side planned sorted."""
    failing = bool(report.failing)
    return {
        "schema_version": SCHEMA_VERSION,
        "base": {"ref": report.base.ref, "commit": report.base.commit},
        "head": {"ref": report.head.ref, "commit": report.head.commit},
        "fail_on": report.fail_on,
        "gate": "fail" if failing else "pass",
        "exit_status": 1 if failing else 0,
        "stacks": [asdict(result) for result in report.stacks],
        "findings": [asdict(finding) for finding in report.findings],
        "planned": {side: sorted(stacks) for side, stacks in report.planned.items()},
    }


def report_json_text(report: Report) -> str:
    """`report_document` as indented JSON with sorted keys, ending in a newline."""
    return json.dumps(report_document(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
