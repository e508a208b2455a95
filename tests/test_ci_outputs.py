"""What `hardened ci` writes, from one report: the pull-request comment (summary.md and summary-full.md), the SARIF
log GitHub code scanning reads (checked against the OASIS schema shipped in tests/fixtures/sarif/), and report.json;
and the one table of rule ids they describe the findings with (review/kinds.py), held to the rule modules."""

import ast
import json
import re
from dataclasses import fields
from pathlib import Path

import jsonschema
import pytest

from hardened.resource_types import CATALOGUE, REMOVAL_KINDS
from hardened_tools.ci import sarif
from hardened_tools.ci.findings import Finding, Location, Report, Side, StackResult
from hardened_tools.ci.report_json import report_document, report_json_text
from hardened_tools.ci.sarif import sarif_log
from hardened_tools.ci.summary import escape, summary_markdown
from hardened_tools.comment_limit import GITHUB_COMMENT_LIMIT
from hardened_tools.review.kinds import (
    POSTURE_CONTROLS,
    PREVIEW_KINDS,
    WEAKENING_KINDS,
    rule_description,
    rule_title,
)
from hardened_tools.review.preview_steps import FINDING_KINDS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests/fixtures/sarif/sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)
PROD_FILE = "stacks/Pulumi.prod.yaml"


def _posture(passed: int, warned: int, failed: int) -> dict[str, int]:
    return {"pass": passed, "warn": warned, "fail": failed}


def mixed_report(fail_on: str = "error") -> Report:
    """Four stacks, every category and level, one finding without a location."""
    return Report(
        base=Side("main", "0123456789abcdef0123456789abcdef01234567"),
        head=Side("feature/retention", "fedcba9876543210fedcba9876543210fedcba98"),
        stacks=[
            StackResult(
                "prod",
                "changed",
                {"added": 1, "removed": 2, "changed": 3, "outputs": 1},
                {"base": _posture(10, 1, 0), "head": _posture(9, 1, 1)},
            ),
            StackResult("staging", "changed", {"changed": 1}, {"base": _posture(8, 2, 0), "head": _posture(8, 2, 0)}),
            StackResult("dev", "unchanged", {}, {"base": _posture(7, 3, 0), "head": _posture(7, 3, 0)}),
            StackResult("sandbox", "added", {"added": 40}, {"head": _posture(5, 4, 0)}),
        ],
        findings=[
            Finding(
                "copy-lost",
                "weakening",
                "note",
                "staging",
                "outputs.copies: 3 → 2 copies",
                "urn:pulumi:staging::hardened-accounts::pulumi:pulumi:Stack::hardened-accounts-staging",
                Location("stacks/Pulumi.staging.yaml", 4),
            ),
            Finding(
                "retention-shortened",
                "weakening",
                "error",
                "prod",
                "vault-lock: minRetentionDays 30 → 7 (recovery points can be deleted sooner)",
                "urn:pulumi:prod::hardened-accounts::aws:backup/vaultLockConfiguration:VaultLockConfiguration::vault-lock",
                Location(PROD_FILE, 12),
            ),
            Finding(
                "mfa-condition-removed",
                "weakening",
                "warning",
                "prod",
                "break-glass: assumeRolePolicy.Statement[Assume].Condition.Bool.aws:MultiFactorAuthPresent true → "
                "(absent) (MFA is no longer required)",
                "urn:pulumi:prod::hardened-accounts::aws:iam/role:Role::break-glass",
                Location("components/hardened/aws/break_glass.py", 88),
            ),
            Finding(
                "data-store-removed",
                "removal",
                "error",
                "prod",
                "backups: aws:s3/bucketV2:BucketV2 present → removed (the bucket and the copies in it)",
                "urn:pulumi:prod::hardened-accounts::aws:s3/bucketV2:BucketV2::backups",
                Location(PROD_FILE, 30),
            ),
            Finding("posture/mfa", "posture", "error", "prod", "MFA on every human path: fail", ""),
            Finding(
                "posture/copies",
                "posture",
                "warning",
                "sandbox",
                "3-2-1: three copies, two vendors, one elsewhere: warn",
                "",
                Location("stacks/Pulumi.sandbox.yaml", 1),
            ),
            Finding(
                "preview/data-bearing-replace",
                "preview",
                "warning",
                "staging",
                "replace aws:kms/key:Key backup-key — replaced because of `customerMasterKeySpec`",
                "urn:pulumi:staging::hardened-accounts::aws:kms/key:Key::backup-key",
                Location("stacks/Pulumi.staging.yaml", 9),
            ),
        ],
        fail_on=fail_on,
        planned={"base": ["staging", "prod"], "head": ["prod", "sandbox"]},
    )


def unchanged_report() -> Report:
    return Report(
        base=Side("main", "0123456789abcdef"),
        head=Side("HEAD", "0123456789abcdef"),
        stacks=[
            StackResult(name, "unchanged", {}, {"base": _posture(9, 1, 0), "head": _posture(9, 1, 0)})
            for name in ("org", "prod")
        ],
        findings=[],
        planned={"base": [], "head": []},
    )


HUGE_LEVELS = ("error", "warning", "note")
HUGE_CATEGORIES = ("weakening", "removal", "posture", "preview")


def huge_report() -> Report:
    """5,000 findings over 25 stacks, each message some 600 characters long and numbered."""
    stacks = [f"stack{n:02d}" for n in range(25)]
    return Report(
        base=Side("main", "a" * 40),
        head=Side("feature", "b" * 40),
        stacks=[
            StackResult(
                s, "changed", {"added": 1, "changed": 2}, {"base": _posture(9, 1, 0), "head": _posture(8, 1, 1)}
            )
            for s in stacks
        ],
        findings=[
            Finding(
                "retention-shortened" if n % 4 == 0 else "deny-removed" if n % 4 == 1 else "posture/mfa",
                HUGE_CATEGORIES[n % 4],
                HUGE_LEVELS[n % 3],
                stacks[n % 25],
                f"finding-{n:04d}: " + "the Deny no longer applies to s3:DeleteObject | <b>bold</b> & more; " * 9,
                f"urn:pulumi:{stacks[n % 25]}::p::aws:s3/bucketV2:BucketV2::b{n}",
                Location(f"stacks/Pulumi.{stacks[n % 25]}.yaml", n % 300 + 1),
            )
            for n in range(5_000)
        ],
    )


# --- the SARIF log -------------------------------------------------------------------------------------------------


def test_the_shipped_schema_is_the_oasis_one_and_a_valid_draft_4_schema():
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    assert SCHEMA["id"] == sarif.SCHEMA
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert "OASIS" in (ROOT / "tests/fixtures/sarif/README.md").read_text()


def _errors(log: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(log)]


@pytest.mark.parametrize("report", [mixed_report(), unchanged_report(), huge_report()], ids=["mixed", "none", "huge"])
def test_every_log_is_valid_sarif(report):
    log = json.loads(json.dumps(sarif_log(report)))
    assert _errors(log) == []
    assert log["$schema"] == sarif.SCHEMA and log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "hardened"
    assert run["tool"]["driver"]["informationUri"] == "https://github.com/hardened-accounts/hardened-accounts"
    assert len(run["results"]) == len(report.findings)
    assert run["originalUriBaseIds"].keys() == {"%SRCROOT%"}


def test_each_result_names_its_rule_level_file_and_line():
    log = sarif_log(mixed_report())
    results = log["runs"][0]["results"]
    retention = next(r for r in results if r["ruleId"] == "retention-shortened")
    assert retention["level"] == "error"
    (location,) = retention["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": PROD_FILE, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12},
    }
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith("::vault-lock")
    assert retention["message"]["text"].startswith("Stack prod: vault-lock: minRetentionDays 30 → 7")
    assert retention["properties"] == {
        "stack": "prod",
        "category": "weakening",
        "urn": "urn:pulumi:prod::hardened-accounts::aws:backup/vaultLockConfiguration:VaultLockConfiguration::vault-lock",
    }
    mfa = next(r for r in results if r["ruleId"] == "mfa-condition-removed")
    assert mfa["level"] == "warning"
    assert (
        mfa["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "components/hardened/aws/break_glass.py"
    )
    assert mfa["locations"][0]["physicalLocation"]["region"]["startLine"] == 88
    note = next(r for r in results if r["ruleId"] == "copy-lost")
    assert note["level"] == "note"
    # posture/mfa names no location: it is put at its stack's file, which another finding of prod names.
    posture = next(r for r in results if r["ruleId"] == "posture/mfa")
    assert posture["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": PROD_FILE, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    assert "logicalLocations" not in posture["locations"][0]
    assert "invocations" not in log["runs"][0]


def test_rules_are_unique_and_each_result_points_at_its_own():
    run = sarif_log(mixed_report())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    assert set(ids) == {f.rule for f in mixed_report().findings}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    by_id = {rule["id"]: rule for rule in rules}
    assert by_id["retention-shortened"]["fullDescription"]["text"] == WEAKENING_KINDS["retention-shortened"]
    assert by_id["retention-shortened"]["shortDescription"]["text"] == "Retention shortened"
    assert by_id["mfa-condition-removed"]["shortDescription"]["text"] == "MFA condition removed"
    assert by_id["posture/mfa"]["shortDescription"]["text"] == "Posture: MFA on every human path"
    assert by_id["preview/data-bearing-replace"]["fullDescription"]["text"] == PREVIEW_KINDS["data-bearing-replace"]
    assert by_id["posture/mfa"]["defaultConfiguration"]["level"] == "error"
    assert by_id["copy-lost"]["defaultConfiguration"]["level"] == "note"
    assert all("security" in rule["properties"]["tags"] for rule in rules)


def test_an_unknown_rule_is_described_by_its_id():
    report = Report(Side("a", "1"), Side("b", "2"), [], [Finding("brand-new-kind", "weakening", "error", "s", "x")])
    (rule,) = sarif_log(report, stack_files={"s": "stacks/Pulumi.s.yaml"})["runs"][0]["tool"]["driver"]["rules"]
    assert rule["shortDescription"]["text"] == "brand-new-kind"
    assert "brand-new-kind" in rule["fullDescription"]["text"]


def test_fingerprints_follow_the_finding_not_its_line():
    def fingerprint(finding: Finding, *others: Finding) -> str:
        report = Report(Side("a", "1"), Side("b", "2"), [], [*others, finding])
        return sarif_log(report)["runs"][0]["results"][-1]["partialFingerprints"][sarif.FINGERPRINT]

    finding = mixed_report().findings[1]
    moved = Finding(**{**vars(finding), "location": Location(PROD_FILE, 99)})
    assert fingerprint(finding) == fingerprint(moved) == fingerprint(finding, mixed_report().findings[0])
    other_stack = Finding(**{**vars(finding), "stack": "staging"})
    other_words = Finding(**{**vars(finding), "message": finding.message.replace("7", "1")})
    assert len({fingerprint(finding), fingerprint(other_stack), fingerprint(other_words)}) == 3
    # The same finding twice in one run: two results, two fingerprints.
    assert fingerprint(finding, finding) != fingerprint(finding)


def test_a_finding_without_a_location_is_put_at_its_stack_file():
    unlocated = Finding("protect-removed", "weakening", "error", "org", "org: protect true → false", "urn:x")
    report = Report(Side("a", "1"), Side("b", "2"), [], [unlocated])
    located = sarif_log(report, stack_files={"org": "stacks/Pulumi.org.yaml"})
    assert located["runs"][0]["results"][0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "stacks/Pulumi.org.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    # With nothing to name, the result goes without, and the run says GitHub would refuse the upload.
    bare = sarif_log(report)
    assert _errors(bare) == []
    assert "locations" not in bare["runs"][0]["results"][0]
    (notification,) = bare["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "1 result names no file" in notification["message"]["text"]


def test_a_path_is_a_relative_uri():
    finding = Finding(
        "copy-lost", "weakening", "error", "s", "x", location=Location("./stacks/my stack/Pulumi.s.yaml", 3)
    )
    log = sarif_log(Report(Side("a", "1"), Side("b", "2"), [], [finding]))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "stacks/my%20stack/Pulumi.s.yaml", "uriBaseId": "%SRCROOT%"}


def test_beyond_githubs_result_limit_the_least_severe_are_left_out_and_counted(monkeypatch):
    monkeypatch.setattr(sarif, "MAX_RESULTS", 100)
    report = huge_report()
    log = sarif_log(report)
    assert _errors(log) == []
    run = log["runs"][0]
    assert len(run["results"]) == 100
    assert {r["level"] for r in run["results"]} == {"error"}
    assert run["properties"]["resultsCut"] == 4_900
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("4,900 of 5,000 findings are not in this log")
    assert len(run["tool"]["driver"]["rules"]) == len({r["ruleId"] for r in run["results"]})


def test_github_limits_are_the_documented_ones():
    # docs.github.com, "SARIF results exceed one or more limits": 25,000 results and 25,000 rules per run.
    assert sarif.MAX_RESULTS == 25_000


def test_the_tool_version_is_the_distributions():
    import importlib.metadata

    assert sarif_log(unchanged_report())["runs"][0]["tool"]["driver"]["version"] == importlib.metadata.version(
        "hardened-accounts"
    )


# --- the summary ---------------------------------------------------------------------------------------------------


def test_the_summary_reads_in_order():
    comment, full = summary_markdown(mixed_report())
    assert comment == full
    assert comment.startswith("## ❌ The gate fails: 3 weakenings in 2 stacks\n")
    assert "Base `main` (`0123456`) → head `feature/retention` (`fedcba9`)." in comment
    assert "3 findings fail the gate, which fails on errors." in comment
    sections = [
        "### Weakenings (3)",
        "### Removals of data-bearing resources (1)",
        "### Posture: controls failing or warning at the head (2)",
        "### Preview findings (1)",
        "### Counts",
    ]
    places = [comment.index(s) for s in sections]
    assert places == sorted(places)
    assert "<details>" not in comment


def test_within_a_section_errors_come_before_warnings_before_notes_and_stacks_are_grouped():
    comment, _ = summary_markdown(mixed_report())
    weakenings = comment[comment.index("### Weakenings") : comment.index("### Removals")]
    assert weakenings.index("#### `prod`") < weakenings.index("**error** `retention-shortened`")
    assert weakenings.index("**error** `retention-shortened`") < weakenings.index("**warning** `mfa-condition-removed`")
    assert weakenings.index("**warning** `mfa-condition-removed`") < weakenings.index("#### `staging`")
    assert weakenings.index("#### `staging`") < weakenings.index("**note** `copy-lost`")
    assert "— `stacks/Pulumi.prod.yaml:12`" in weakenings
    assert "— `components/hardened/aws/break_glass.py:88`" in weakenings


def test_posture_shows_base_and_head_counts_and_the_counts_table_every_stack():
    comment, _ = summary_markdown(mixed_report())
    assert "#### `prod`: 10 pass, 1 warn, 0 fail at the base → 9 pass, 1 warn, 1 fail at the head" in comment
    assert "#### `sandbox`: 5 pass, 4 warn, 0 fail at the head (not at the base)" in comment
    assert "| `prod` | changed | 1 | 2 | 3 | 1 | 9 / 1 / 1 (base 10 / 1 / 0) |" in comment
    assert "| `dev` | unchanged | 0 | 0 | 0 | 0 | 7 / 3 / 0 |" in comment
    assert "| `sandbox` | added | 40 | 0 | 0 | 0 | 5 / 4 / 0 |" in comment
    assert "Plans computed by this run: base `staging`, `prod`; head `prod`, `sandbox`." in comment


def test_an_unchanged_report_says_no_change_and_has_no_findings_sections():
    comment, full = summary_markdown(unchanged_report())
    assert comment == full
    assert comment.startswith("## ✅ The gate passes: no change in 2 stacks\n")
    assert "no change" in comment
    for title in ("Weakenings", "Removals", "Posture:", "Preview"):
        assert f"### {title}" not in comment


def test_unchanged_stacks_with_the_heads_standing_posture_still_say_no_change_and_show_it():
    standing = [
        Finding(
            "posture/copies", "posture", "warning", "prod", "3-2-1 (copies): warn at the head.", "", Location("s", 1)
        )
    ]
    comment, _ = summary_markdown(Report(**{**vars(unchanged_report()), "findings": standing}))
    assert comment.startswith("## ✅ The gate passes: no change in 2 stacks\n")
    assert "below is the head's standing posture" in comment
    assert "3-2-1 (copies): warn at the head." in comment
    failing = Report(**{**vars(unchanged_report()), "findings": standing, "fail_on": "warning"})
    assert summary_markdown(failing)[0].startswith("## ❌ The gate fails: no change in 2 stacks\n")
    weakened = [*standing, Finding("protect-removed", "weakening", "error", "prod", "x: protect true → false")]
    assert "no change" not in summary_markdown(Report(**{**vars(unchanged_report()), "findings": weakened}))[0]


def test_a_passing_gate_with_findings_says_so():
    comment, _ = summary_markdown(Report(**{**vars(mixed_report()), "findings": []}))
    assert comment.startswith("## ✅ The gate passes: no weakening in 4 stacks\n")
    warnings_only = Report(**{**vars(mixed_report()), "findings": mixed_report().findings[2:3]})
    assert summary_markdown(warnings_only)[0].startswith("## ✅ The gate passes: 1 weakening in 1 stack\n")
    strict = Report(**{**vars(warnings_only), "fail_on": "warning"})
    text = summary_markdown(strict)[0]
    assert text.startswith("## ❌ The gate fails: 1 weakening in 1 stack\n")
    assert "1 finding fails the gate, which fails on errors and warnings." in text


def test_messages_are_escaped():
    hostile = Finding(
        "allow-added",
        "weakening",
        "error",
        "prod",
        "a | b <script>alert(1)</script> & *all* `code` [link](http://x) ~~gone~~\nsecond line",
    )
    report = Report(**{**vars(mixed_report()), "findings": [hostile]})
    comment, _ = summary_markdown(report)
    line = next(line for line in comment.splitlines() if "allow-added" in line)
    assert "<script>" not in comment and "</script>" not in comment
    assert line == (
        "- **error** `allow-added`: a \\| b &lt;script&gt;alert(1)&lt;/script&gt; &amp; \\*all\\* \\`code\\` "
        "\\[link\\](http://x) \\~\\~gone\\~\\~ second line"
    )
    assert escape("x|y") == "x\\|y"


def test_a_huge_report_fits_in_one_comment_and_says_what_it_cut():
    report = huge_report()
    comment, full = summary_markdown(report)
    assert len(comment) <= GITHUB_COMMENT_LIMIT
    assert len(full) > 10 * GITHUB_COMMENT_LIMIT
    (note,) = [line for line in comment.splitlines() if line.startswith("> ✂️ **Cut:**")]
    cut = int(re.search(r"Cut:\*\* ([\d,]+) findings", note).group(1).replace(",", ""))
    shown = sum(line.startswith("- **") for line in comment.splitlines())
    assert shown + cut == 5_000
    assert "`summary-full.md`" in note and "64,000 characters" in note
    assert comment.startswith("## ❌ The gate fails: 1250 weakenings in 25 stacks\n")
    # What is shown is the most severe: errors first.
    assert {line.split("**")[1] for line in comment.splitlines() if line.startswith("- **")} == {"error"}
    assert set(re.findall(r"finding-(\d{4}): ", full)) == {f"{n:04d}" for n in range(5_000)}
    assert "Cut:" not in full and "<details>" not in full


def test_when_cut_the_notes_and_counts_are_collapsed_and_cut_first():
    full = summary_markdown(mixed_report())[1]
    comment, _ = summary_markdown(mixed_report(), limit=len(full) - 1)
    assert len(comment) < len(full)
    visible, collapsed = comment.split("<details><summary>The counts of 2 stacks</summary>", 1)
    for finding in mixed_report().findings:
        if finding.level != "note":
            assert f"**{finding.level}** `{finding.rule}`" in visible
    assert "**note**" not in comment
    assert "> ✂️ **Cut:** 1 finding (1 note), the counts of 2 stacks and the list of plans this run computed" in visible
    assert "`summary-full.md`" in visible
    assert "### Weakenings (2 of 3)" in visible
    assert "### Counts" in collapsed and "| `staging` |" in collapsed and "| `dev` |" not in collapsed
    assert collapsed.endswith("</details>\n")


def test_a_tiny_limit_still_holds():
    comment, _ = summary_markdown(huge_report(), limit=300)
    assert len(comment) <= 300


# --- report.json ---------------------------------------------------------------------------------------------------


def test_the_report_document_round_trips_through_json_with_every_field():
    report = mixed_report()
    document = report_document(report)
    assert json.loads(json.dumps(document)) == document
    assert json.loads(report_json_text(report)) == document
    assert report_json_text(report) == report_json_text(mixed_report())
    assert list(json.loads(report_json_text(report))) == sorted(document)
    assert document["schema_version"] == 1
    assert document["base"] == {"ref": "main", "commit": "0123456789abcdef0123456789abcdef01234567"}
    assert document["head"]["ref"] == "feature/retention"
    assert [set(s) for s in document["stacks"]] == [{f.name for f in fields(StackResult)}] * 4
    assert [set(f) for f in document["findings"]] == [{f.name for f in fields(Finding)}] * 7
    assert document["findings"][1]["location"] == {"path": PROD_FILE, "line": 12}
    assert document["findings"][4]["location"] is None
    assert document["stacks"][0]["posture"]["head"] == {"pass": 9, "warn": 1, "fail": 1}
    assert document["planned"] == {"base": ["prod", "staging"], "head": ["prod", "sandbox"]}


def test_the_gate_and_exit_status_follow_fail_on():
    errors = report_document(mixed_report())
    assert (errors["fail_on"], errors["gate"], errors["exit_status"]) == ("error", "fail", 1)
    warnings_only = Report(**{**vars(mixed_report()), "findings": mixed_report().findings[2:3]})
    assert (report_document(warnings_only)["gate"], report_document(warnings_only)["exit_status"]) == ("pass", 0)
    strict = report_document(Report(**{**vars(warnings_only), "fail_on": "warning"}))
    assert (strict["fail_on"], strict["gate"], strict["exit_status"]) == ("warning", "fail", 1)
    notes_only = Report(**{**vars(mixed_report()), "findings": mixed_report().findings[:1], "fail_on": "warning"})
    assert report_document(notes_only)["exit_status"] == 0
    assert report_document(unchanged_report())["gate"] == "pass"


# --- the rule catalogue ----------------------------------------------------------------------------------------------

REVIEW = ROOT / "tools/hardened_tools/review"
RULE_MODULES = [
    REVIEW / f"{name}.py"
    for name in ("weakenings", "setting_weakenings", "policy_weakenings", "removal_weakenings", "plan_paths")
]
KIND = re.compile(r"[a-z]+(?:-[a-z]+)+")
NOT_KINDS: frozenset[str] = frozenset()  # kebab-case literals of the rule modules that are no kind: none today
# Where a kind goes in the calls that build a weakening: Weakening(urn, kind, message), weakening_at(resource, kind,
# ...), Setting(suffix, weaker, kind, why) and policy_weakenings' weak(kind, path, ...).
KIND_ARGUMENT = {"Weakening": 1, "weakening_at": 1, "Setting": 2, "weak": 0}


def _trees() -> dict[str, ast.Module]:
    return {path.name: ast.parse(path.read_text()) for path in RULE_MODULES}


def _kebab_literals() -> set[str]:
    return {
        node.value
        for tree in _trees().values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and KIND.fullmatch(node.value)
    } - NOT_KINDS


def _kind_arguments() -> set[str]:
    """The literals passed where a kind goes, kebab-case or not."""
    found = set()
    for tree in _trees().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KIND_ARGUMENT:
                position = KIND_ARGUMENT[node.func.id]
                arguments = node.args[position : position + 1] + [k.value for k in node.keywords if k.arg == "kind"]
                found |= {a.value for a in arguments if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def _catalogue_kinds() -> set[str]:
    return {t.removal for t in CATALOGUE.values() if t.removal} | set(REMOVAL_KINDS.values())


def test_every_kind_a_rule_can_emit_is_in_the_table():
    arguments = _kind_arguments()
    assert len(arguments) > 20  # the scan finds the rules' kinds where they are passed
    emitted = _kebab_literals() | arguments | _catalogue_kinds()
    assert sorted(emitted - WEAKENING_KINDS.keys()) == []


def test_every_kind_in_the_table_is_emitted_somewhere():
    emitted = _kebab_literals() | _catalogue_kinds()
    assert sorted(WEAKENING_KINDS.keys() - emitted) == []


def _control_titles() -> dict[str, set[str]]:
    """Each Control(id, title, ...) built in posture/controls.py, its title a literal or a name assigned one."""
    tree = ast.parse((ROOT / "tools/hardened_tools/posture/controls.py").read_text())
    titles: dict[str, set[str]] = {}
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        assigned = {
            target.id: node.value.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Control":
                control, title = node.args[0], node.args[1]
                assert isinstance(control, ast.Constant)
                text = title.value if isinstance(title, ast.Constant) else assigned[title.id]
                titles.setdefault(control.value, set()).add(text)
    return titles


def test_the_posture_rules_are_the_scorecards_controls_with_their_titles():
    titles = _control_titles()
    assert {control: next(iter(t)) for control, t in titles.items()} == POSTURE_CONTROLS
    assert all(len(t) == 1 for t in titles.values())


def test_every_rule_id_has_a_description_and_a_title():
    for rule in [
        *WEAKENING_KINDS,
        *(f"posture/{c}" for c in POSTURE_CONTROLS),
        *(f"preview/{k}" for k in PREVIEW_KINDS),
    ]:
        assert rule_description(rule), rule
        assert rule_title(rule) != rule, rule
    assert rule_description("posture/no-such-control") is None
    assert rule_description("preview/no-such-kind") is None
    assert rule_title("no-such-kind") == "no-such-kind"
    assert list(PREVIEW_KINDS) == list(FINDING_KINDS)
