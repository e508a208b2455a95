"""The catalogue of resource types (hardened/resource_types.py) is the one source the rules and the reviewer tools read."""

import re

from hardened.resource_types import CATALOGUE, DATA_BEARING, REVIEWED_ON_DELETE, SETTINGS_GUARDS
from hardened_tools.policy.rules import RULES
from hardened_tools.review import preview_changes, preview_steps

TOKEN = re.compile(r"^(aws|gcp):[a-z0-9]+/([a-zA-Z0-9]+):([A-Za-z0-9]+)$")
# Stores the protect rule leaves alone, and why.
UNPROTECTED_STORES = {
    "aws:cloudwatch/logGroup:LogGroup": "the trail's CloudWatch Logs copy is a 90-day working copy; the locked bucket keeps the record",
}


def rule(name: str):
    (found,) = [r for r in RULES if r.name == name]
    return found


def test_tokens_are_pulumi_type_tokens():
    for token in CATALOGUE:
        match = TOKEN.fullmatch(token)
        assert match, token
        assert match.group(2).lower() == match.group(3).lower(), f"{token}: module and type name disagree"


def test_every_data_bearing_type_is_covered_by_the_protect_rule_and_has_a_removal_reason():
    assert set(rule("data-resources-protected").resource_types) == DATA_BEARING
    assert set(rule("data-resources-retained").resource_types) == DATA_BEARING
    for token in DATA_BEARING:
        meaning = CATALOGUE[token]
        assert meaning.removal and meaning.loses, f"{token} has no removal reason"


def test_every_store_is_data_bearing_unless_said_why():
    stores = {t for t, m in CATALOGUE.items() if m.role == "store"}
    assert stores - DATA_BEARING == set(UNPROTECTED_STORES)
    assert "gcp:organizations/project:Project" in DATA_BEARING and "gcp:organizations/folder:Folder" in DATA_BEARING


def test_review_reads_the_catalogue():
    assert preview_changes.GUARD_TYPES is SETTINGS_GUARDS
    assert preview_steps.DATA_BEARING_TYPES is REVIEWED_ON_DELETE
    assert DATA_BEARING | SETTINGS_GUARDS <= REVIEWED_ON_DELETE


def test_removal_kinds_are_the_diffs():
    kinds = {m.removal for m in CATALOGUE.values()}
    assert kinds - {None} <= {
        "data-store-removed",
        "lock-removed",
        "copy-removed",
        "backup-removed",
        "restore-test-removed",
        "logging-removed",
        "alarm-removed",
        "guardrail-removed",
        "deletion-protection-removed",
        "password-policy-weakened",
        "public-access-opened",
        "versioning-suspended",
        "encryption-weakened",
    }
    assert (
        CATALOGUE["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"].removal is None
    )  # keeps versions longer


# --- one number parser, one "absent" marker, one statement identity (issue 15, item 1) ---------------------------


def test_one_number_parser():
    from hardened.json_text import parse_number
    from hardened_tools.policy import checks
    from hardened_tools.review import plan_paths

    assert [
        parse_number(v) for v in (7, 2.5, "35", " 2592000s ", "-1", True, "1e3", "nan", float("inf"), "seven", None)
    ] == [7.0, 2.5, 35.0, 2592000.0, -1.0, None, None, None, None, None, None]
    assert checks._number is not None and checks._number("35") == plan_paths.as_number("35", 0) == 35.0
    assert plan_paths.as_number(plan_paths.ABSENT, absent=0.0) == 0.0


def test_one_absent_marker_and_statement_identity():
    from hardened_tools.review import plan_paths

    assert preview_changes.MISSING is plan_paths.ABSENT
    unnamed = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
    assert plan_paths.item_keys([unnamed, {**unnamed, "Sid": "Named"}, dict(unnamed)]) == [
        "Allow sts:assumerole",
        "Named",
        "Allow sts:assumerole#2",
    ]  # actions compare case-insensitively, as IAM does


# --- one place for constraints (issue 15, item 3) -------------------------------------------------------------------


def test_the_stack_schema_and_the_components_read_one_role_arn_pattern():
    import re

    from hardened import constraints
    from hardened.aws import arns

    assert arns.ROLE_ARN.pattern == constraints.ROLE_ARN and arns.ACCOUNT_ID.pattern == constraints.ACCOUNT_ID
    for partition in ("aws", "aws-us-gov", "aws-cn"):
        assert re.fullmatch(constraints.ROLE_ARN, f"arn:{partition}:iam::111122223333:role/hardened-deployer")
    assert not re.fullmatch(constraints.ROLE_ARN, "arn:aws:iam::111122223333:role/*")
