"""`findings.sarif`: the findings as a SARIF 2.1.0 log, for GitHub code scanning (or any SARIF viewer).

One run of the tool `hardened`; one rule per rule id used (described from `review/kinds.py`), one result per finding,
located at the line of the head commit it comes from (`Finding.location`, relative to the repository root, the
`%SRCROOT%` base). GitHub code scanning refuses a whole upload in which a result has no location ("expected at
least one location"), so a finding that names none is located at its stack's file: the one `stack_files` gives, or
the `Pulumi.<stack>.yaml` another finding of the same stack names. Only a finding with neither goes without.

Each result's `partialFingerprints` hash its rule, stack, resource and message, so code scanning tracks it as one
alert across pushes even when its line moves. GitHub takes at most 25,000 results (and 25,000 rules) per run: beyond
that the least severe are left out, and the run says how many in a tool notification and in its properties.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import posixpath
from collections.abc import Mapping
from urllib.parse import quote

from ..review.kinds import rule_description, rule_title
from ..wording import agree, count
from .findings import LEVELS, Finding, Location, Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/hardened-accounts/hardened-accounts"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000
"""GitHub code scanning's limit of results per run ("Analysis SARIF file rejected due to result limits")."""
FINGERPRINT = "hardenedFinding/v1"
"""The key of each result's `partialFingerprints`: a new version when what is hashed changes."""
_LEVEL_RANK = {level: n for n, level in enumerate(LEVELS)}
# GitHub shows a security rule's severity from this property (0.0-10.0): high, medium, low.
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}


def sarif_log(report: Report, *, stack_files: Mapping[str, str] | None = None) -> dict:
    """The SARIF 2.1.0 log of `report`: one run, its rules and a result per finding (the 25,000 most severe).

    `stack_files` maps a stack to its file (a path from the repository root): the location of its findings that
    name none."""
    kept = sorted(range(len(report.findings)), key=lambda n: (_LEVEL_RANK[report.findings[n].level], n))[:MAX_RESULTS]
    findings = [report.findings[n] for n in sorted(kept)]
    cut = len(report.findings) - len(findings)
    rule_ids = sorted({f.rule for f in findings})
    index = {rule: n for n, rule in enumerate(rule_ids)}
    fallback = _stack_file_locations(report.findings, stack_files or {})
    seen: dict[str, int] = {}
    results = []
    for finding in findings:
        fingerprint = _fingerprint(finding)
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        if seen[fingerprint] > 1:  # the same words twice in one stack: told apart by their order
            fingerprint = _fingerprint(finding, seen[fingerprint])
        results.append(_result(finding, index[finding.rule], fingerprint, fallback.get(finding.stack)))
    driver: dict = {"name": "hardened", "informationUri": INFORMATION_URI}
    version = _version()
    if version:
        driver["version"] = version
    driver["rules"] = [_rule(rule, [f for f in findings if f.rule == rule]) for rule in rule_ids]
    run: dict = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the repository hardened ci reviewed."}}},
        "results": results,
        "properties": {
            "base": {"ref": report.base.ref, "commit": report.base.commit},
            "head": {"ref": report.head.ref, "commit": report.head.commit},
            "failOn": report.fail_on,
            "gate": "fail" if report.failing else "pass",
            "resultsCut": cut,
        },
    }
    unlocated = sum("locations" not in r for r in results)
    notes = []
    if cut:
        notes.append(
            f"{cut:,} of {len(report.findings):,} findings are not in this log: GitHub code scanning takes at most "
            f"{MAX_RESULTS:,} results per run, and the least severe were left out. report.json and summary-full.md "
            "hold them all."
        )
    if unlocated:
        notes.append(
            f"{count(unlocated, 'result')} {agree(unlocated, 'names', 'name')} no file: GitHub code scanning refuses "
            "an upload with a result that has no location."
        )
    if notes:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": text}} for text in notes],
            }
        ]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule: str, findings: list[Finding]) -> dict:
    """The reporting descriptor of `rule`, its default level the most severe of its results here."""
    described = rule_description(rule)
    level = min((f.level for f in findings), key=_LEVEL_RANK.__getitem__, default="warning")
    category = findings[0].category if findings else ""
    full = described or f"`hardened ci` reports {rule}."
    return {
        "id": rule,
        "name": "".join(part.capitalize() for part in rule.replace("/", "-").split("-") if part),
        "shortDescription": {"text": rule_title(rule)},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full} Found by `hardened ci` in the change from the base to the head commit "
            f"(category: {category}).",
            "markdown": f"{full}\n\nFound by `hardened ci` in the change from the base to the head commit "
            f"(category: **{category}**).",
        },
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": ["security", category] if category else ["security"],
            "security-severity": _SECURITY_SEVERITY[level],
        },
    }


def _result(finding: Finding, rule_index: int, fingerprint: str, fallback: Location | None) -> dict:
    result: dict = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.level,
        "message": {"text": f"Stack {finding.stack}: {finding.message}"},
    }
    location = finding.location or fallback
    if location is not None:
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(location.path), "uriBaseId": SRCROOT},
                    "region": {"startLine": max(location.line, 1)},
                },
                **({"logicalLocations": [_logical(finding.urn)]} if finding.urn else {}),
            }
        ]
    result["partialFingerprints"] = {FINGERPRINT: fingerprint}
    result["properties"] = {"stack": finding.stack, "category": finding.category, "urn": finding.urn}
    return result


def _logical(urn: str) -> dict:
    return {"fullyQualifiedName": urn, "name": urn.rsplit("::", 1)[-1], "kind": "resource"}


def _fingerprint(finding: Finding, occurrence: int = 1) -> str:
    """A stable hash of what the finding is (rule, stack, resource, message), never of where it is."""
    parts = [finding.rule, finding.stack, finding.urn, finding.message] + ([str(occurrence)] if occurrence > 1 else [])
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _uri(path: str) -> str:
    """A path from the repository root as a relative URI reference: forward slashes, no `./`, percent-encoded."""
    path = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    return quote(path, safe="/")


def _stack_file_locations(findings: list[Finding], stack_files: Mapping[str, str]) -> dict[str, Location]:
    """Each stack's file, line 1: from `stack_files`, else the `Pulumi.<stack>.yaml` a finding of the stack names."""
    located = {stack: Location(path, 1) for stack, path in stack_files.items()}
    for finding in findings:
        if finding.stack not in located and finding.location is not None:
            if posixpath.basename(finding.location.path) == f"Pulumi.{finding.stack}.yaml":
                located[finding.stack] = Location(finding.location.path, 1)
    return located


def _version() -> str | None:
    try:
        return importlib.metadata.version("hardened-accounts")
    except importlib.metadata.PackageNotFoundError:
        return None


def sarif_text(report: Report, *, stack_files: Mapping[str, str] | None = None) -> str:
    """`sarif_log` as indented JSON, ending in a newline."""
    return json.dumps(sarif_log(report, stack_files=stack_files), indent=2, ensure_ascii=False) + "\n"
