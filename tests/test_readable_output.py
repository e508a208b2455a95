"""Readable plan output: durations read in words, counts in their number, only what exists after deployment computed."""

import json

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest
from planning import PROJECT, account_provider, by_name, in_account, one, plan_of, shipped_plan

from hardened_tools.plan import build_plan, run_program
from hardened_tools.plan.references import ReferencedStack
from hardened_tools.plan.render import COMPUTED_MARK, count, duration_reading, render_markdown, render_text

# --- Given values are not marked computed ----------------------------------------------------------------------


def _known_through_apply():
    config = pulumi.Config()
    provider = account_provider()
    given = pulumi.Output.all(config.require("prefix"), "literal").apply(lambda parts: "-".join(parts))
    window = pulumi.Output.all(config.require_int("days")).apply(lambda parts: parts[0])
    key = aws.kms.Key("key", description=given, deletion_window_in_days=window, opts=in_account(provider))
    # The same apply over a placeholder: this one is computed.
    made_up = pulumi.Output.all(key.arn, given).apply(lambda parts: f"{parts[1]} for {parts[0]}")
    aws.kms.Alias(
        "alias", name=given.apply(lambda text: f"alias/{text}"), target_key_id=key.key_id, opts=in_account(provider)
    )
    aws.sns.Topic("topic", display_name=made_up, opts=in_account(provider))
    pulumi.export("given", given)
    pulumi.export("days", window)
    pulumi.export("madeUp", made_up)


@pytest.fixture(scope="module")
def through_apply() -> dict:
    return plan_of(_known_through_apply, config={f"{PROJECT}:prefix": "acme", f"{PROJECT}:days": "30"})


def test_a_given_value_through_output_all_apply_is_not_marked_computed(through_apply):
    key = one(through_apply, "aws:kms/key:Key")
    assert key["inputs"]["description"] == "acme-literal" and key["inputs"]["deletionWindowInDays"] == 30
    assert key["computed_inputs"] == []
    assert one(through_apply, "aws:kms/alias:Alias")["computed_inputs"] == ["targetKeyId"]
    text = render_text(through_apply)
    assert "description: acme-literal\n" in text and "name: alias/acme-literal\n" in text
    assert "  given: acme-literal\n" in text and "  days: 30\n" in text


def test_the_same_apply_over_a_placeholder_is_marked_computed(through_apply):
    topic = one(through_apply, "aws:sns/topic:Topic")
    assert topic["computed_inputs"] == ["displayName"]
    assert through_apply["computed_outputs"] == ["madeUp"]
    assert f"displayName: {topic['inputs']['displayName']}{COMPUTED_MARK}\n" in render_text(through_apply)


ORGANIZATION = ReferencedStack(
    stack="org",
    outputs={
        "accountId": "555910829563",
        # A placeholder (the bus's auto-name) next to values the organization stack was given.
        "alarms": {
            "busArn": "arn:aws:events:eu-west-1:555910829563:event-bus/org-alarms-bus-c716056b",
            "prefix": "org-alarms",
            "regions": ["eu-west-1", "eu-central-1"],
        },
        "region": "eu-west-1",
    },
    computed_outputs=["accountId", "alarms"],
)


def _reading_the_organization():
    config = pulumi.Config()
    organization = pulumi.StackReference("org")
    alarms = organization.require_output("alarms")
    main = aws.Provider(
        "main",
        region=organization.require_output("region"),
        allowed_account_ids=[organization.require_output("accountId")],
    )
    second = aws.Provider("second", region=config.require("secondRegion"), allowed_account_ids=["111122223333"])
    aws.sns.Topic("forwarder", name=alarms.apply(lambda a: f"{a['prefix']}-forwarder"), opts=in_account(second))
    aws.sns.Topic("bus", display_name=alarms.apply(lambda a: a["busArn"]), opts=in_account(main))


def test_values_the_other_stack_knows_or_this_stack_was_given_are_not_marked_computed():
    run = run_program(
        _reading_the_organization,
        project=PROJECT,
        stack="env",
        config={f"{PROJECT}:secondRegion": "eu-central-1"},
        stack_references=lambda reference: ORGANIZATION,
    )
    plan = build_plan(run)
    # Known in the organization's plan (its region output carries no placeholder), though also inside `alarms`.
    assert by_name(plan, "main")["computed_inputs"] == ["allowedAccountIds"]
    # This stack's own config, though the organization's `alarms` lists the same region.
    assert by_name(plan, "second")["computed_inputs"] == []
    # A name that only begins with a value of `alarms` (as a placeholder would have to be, whole).
    assert by_name(plan, "forwarder")["inputs"]["name"] == "org-alarms-forwarder"
    assert by_name(plan, "forwarder")["computed_inputs"] == []
    # The organization's placeholder stays one here.
    assert by_name(plan, "bus")["computed_inputs"] == ["displayName"]


@pytest.fixture(scope="module")
def prod() -> dict:
    return shipped_plan("prod")


def test_the_shipped_environment_does_not_mark_its_configured_regions_computed(prod):
    for name in ("prod-workload", "prod-workload-eu-central-1", "prod-backup"):
        provider = by_name(prod, name)
        assert provider["computed_inputs"] == ["allowedAccountIds", "assumeRoles"], name
    assert "region" not in by_name(prod, "prod-gcp")["computed_inputs"]
    # Named after the configured second region, not after the organization's list of regions.
    assert "name" not in by_name(prod, "prod-eu-central-1-vault-vault")["computed_inputs"]
    text = render_text(prod)
    assert f"region: eu-west-1{COMPUTED_MARK}" not in text and f"region: eu-central-1{COMPUTED_MARK}" not in text


# --- Durations read in words, next to the raw value --------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "path", "value", "reading"),
    [
        ("gcp:storage/bucket:Bucket", "retentionPolicy.retentionPeriod", "2592000", "30 days"),
        ("gcp:storage/bucket:Bucket", "retentionPolicy.retentionPeriod", "34560000", "400 days"),
        ("gcp:storage/bucket:Bucket", "softDeletePolicy.retentionDurationSeconds", 604800, "7 days"),
        ("gcp:privilegedaccessmanager/entitlement:entitlement", "maxRequestDuration", "3600s", "1 hour"),
        (
            "gcp:backupdisasterrecovery/backupVault:BackupVault",
            "backupMinimumEnforcedRetentionDuration",
            "86400s",
            "1 day",
        ),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "alertStrategy.autoClose", "1800s", "30 minutes"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "conditions[].conditionThreshold.duration", "0s", "0 seconds"),
        (
            "gcp:monitoring/alertPolicy:AlertPolicy",
            "conditions[].conditionThreshold.aggregations[].alignmentPeriod",
            "60s",
            "1 minute",
        ),
        ("aws:iam/role:Role", "maxSessionDuration", 3600, "1 hour"),
        ("aws:iam/role:Role", "maxSessionDuration", 5400, "90 minutes"),
        ("aws:lambda/function:Function", "timeout", 61, "61 seconds"),
        ("aws:kms/key:Key", "deletionWindowInDays", 7, "7 days"),
        ("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "changeableForDays", 1, "1 day"),
        ("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "minRetentionDays", 35, "35 days"),
        ("aws:backup/plan:Plan", "rules[].completionWindow", 1440, "1 day"),
        ("aws:backup/plan:Plan", "rules[].startWindow", 90, "90 minutes"),
        ("aws:backup/plan:Plan", "rules[].copyActions[].lifecycle.deleteAfter", 365, "365 days"),
        ("aws:backup/restoreTestingPlan:RestoreTestingPlan", "startWindowHours", 36, "36 hours"),
        ("aws:backup/restoreTestingSelection:RestoreTestingSelection", "validationWindowHours", 48, "2 days"),
        (
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "rule.defaultRetention.days",
            2555,
            "2555 days",
        ),
    ],
)
def test_a_duration_input_reads_in_words(type_, path, value, reading):
    assert duration_reading(type_, path, value) == reading


@pytest.mark.parametrize(
    ("type_", "path", "value"),
    [
        ("aws:kms/key:Key", "description", 30),  # not a duration
        ("gcp:storage/bucket:Bucket", "retentionPeriod", "2592000"),  # the path matters, not the last key alone
        ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "rule.defaultRetention.days", True),
        ("aws:iam/role:Role", "maxSessionDuration", "[unknown]"),
        ("aws:iam/role:Role", "maxSessionDuration", "[secret]"),
        ("aws:kms/key:Key", "deletionWindowInDays", "30s"),  # "s" means seconds, never days
        ("gcp:kms/cryptoKey:CryptoKey", "rotationPeriod", "1.5s"),  # no reading rather than a rounded one
        ("gcp:kms/cryptoKey:CryptoKey", "rotationPeriod", "-60s"),
    ],
)
def test_other_values_get_no_reading(type_, path, value):
    assert duration_reading(type_, path, value) is None


def _durations():
    provider = account_provider()
    aws.kms.Key("key", deletion_window_in_days=30, opts=in_account(provider))
    aws.iam.Role("role", assume_role_policy="{}", max_session_duration=3600, opts=in_account(provider))
    aws.backup.Plan(
        "plan",
        rules=[
            {
                "rule_name": "daily",
                "target_vault_name": "vault",
                "schedule": "cron(0 3 * * ? *)",
                "start_window": 60,
                "lifecycle": {"delete_after": 35},
                "copy_actions": [
                    {
                        "destination_vault_arn": "arn:aws:backup:eu-west-1:111122223333:backup-vault:copy",
                        "lifecycle": {"delete_after": 365},
                    }
                ],
            }
        ],
        opts=in_account(provider),
    )
    google = gcp.Provider("google", project="acme-test", region="us-east4")
    gcp.storage.Bucket(
        "bucket",
        location="US-EAST4",
        retention_policy={"retention_period": "2592000"},
        soft_delete_policy={"retention_duration_seconds": 604800},
        opts=pulumi.ResourceOptions(provider=google),
    )


def test_the_plan_keeps_the_raw_value_and_adds_the_reading():
    plan = plan_of(_durations)
    text = render_text(plan)
    for line in (
        "deletionWindowInDays: 30 (30 days)",
        "maxSessionDuration: 3600 (1 hour)",
        "startWindow: 60 (1 hour)",
        "deleteAfter: 35 (35 days)",
        "deleteAfter: 365 (365 days)",
        "retentionPeriod: 2592000 (30 days)",
        "retentionDurationSeconds: 604800 (7 days)",
    ):
        assert f" {line}\n" in text, line
    assert " deleteAfter: 35 (35 days)\n" in render_markdown(plan)
    # The document keeps the raw values: only the text and markdown read them.
    assert one(plan, "gcp:storage/bucket:Bucket")["inputs"]["retentionPolicy"]["retentionPeriod"] == "2592000"
    assert "days)" not in json.dumps(plan)


# --- Counts agree in number --------------------------------------------------------------------------------------


def _resource(name: str, custom: bool = True, account: str = "111122223333", parent: str | None = None) -> dict:
    urn = f"urn:pulumi:s::p::{'aws:kms/key:Key' if custom else 'hardened:index:Thing'}::{name}"
    return {
        "urn": urn,
        "type": urn.split("::")[2],
        "name": name,
        "parent": parent,
        "custom": custom,
        "protect": False,
        "retain_on_delete": False,
        "inputs": {},
        "lands_in": {"cloud": "aws", "account": account} if custom else None,
    }


def _headline_of(resources: list[dict]) -> str:
    return render_text({"project": "p", "stack": "s", "resources": resources, "outputs": {}}).splitlines()[0]


@pytest.mark.parametrize(
    ("number", "singular", "plural", "expected"),
    [
        (0, "resource", None, "0 resources"),
        (1, "resource", None, "1 resource"),
        (2, "resource", None, "2 resources"),
        (1, "account or project", "accounts or projects", "1 account or project"),
        (3, "account or project", "accounts or projects", "3 accounts or projects"),
    ],
)
def test_count_says_the_noun_in_its_number(number, singular, plural, expected):
    assert count(number, singular, plural) == expected


def test_the_headline_counts_agree_with_their_numbers():
    one_each = [_resource("thing", custom=False), _resource("key")]
    assert _headline_of(one_each) == (
        "Stack 's' of project p: `pulumi up` would create 1 resource in 1 component, landing in 1 account or project."
    )
    two_each = [*one_each, _resource("other", custom=False), _resource("key2", account="444455556666")]
    assert _headline_of(two_each) == (
        "Stack 's' of project p: `pulumi up` would create 2 resources in 2 components, landing in 2 accounts or projects."
    )
    assert _headline_of([]) == (
        "Stack 's' of project p: `pulumi up` would create 0 resources in 0 components, landing in 0 accounts or projects."
    )


def test_counts_agree_with_their_nouns_and_verbs():
    from hardened_tools.comment_limit import fit_lines
    from hardened_tools.wording import agree, count

    assert [count(n, "S3 bucket") for n in (0, 1, 2)] == ["0 S3 buckets", "1 S3 bucket", "2 S3 buckets"]
    assert count(1, "bucket policy", "bucket policies") == "1 bucket policy"
    assert [agree(n, "blocks", "block") for n in (0, 1, 2)] == ["block", "blocks", "block"]
    # A cut note says "1 more step", not "1 more steps".
    assert fit_lines(["a" * 10, "b" * 10], 20, "{n} step{s}") == ["a" * 10, "1 step"]
    assert fit_lines(["a" * 10, "b" * 10, "c" * 10], 20, "{n} step{s}") == ["a" * 10, "2 steps"]
