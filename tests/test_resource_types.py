"""The catalogue of resource types (hardened/resource_types.py) is the one source the rules and the reviewer tools read."""

import re

from hardened.policy.rules import RULES
from hardened.resource_types import CATALOGUE, DATA_BEARING, REVIEWED_ON_DELETE, SETTINGS_GUARDS
from hardened.review import preview_changes, preview_steps

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
        "data-store-removed", "lock-removed", "copy-removed", "backup-removed", "restore-test-removed", "logging-removed",
        "alarm-removed", "guardrail-removed", "deletion-protection-removed", "password-policy-weakened", "public-access-opened",
        "versioning-suspended", "encryption-weakened",
    }
    assert CATALOGUE["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"].removal is None  # keeps versions longer
