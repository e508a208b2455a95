"""StateBucket: Pulumi's state in an ImmutableBucket, and a secrets key only the deployers use."""

import pytest
from planning import (
    ACCOUNT,
    BREAK_GLASS,
    DEPLOYER,
    PROJECT,
    REGION,
    account_provider,
    by_name,
    in_account,
    one,
    plan_of,
)

from hardened.aws import StateBucket
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program


def state_bucket(**overrides):
    args = {
        "deployer_arns": [DEPLOYER],
        "break_glass_arns": [BREAK_GLASS],
        "organization_id": "o-a1b2c3d4e5",
    } | overrides
    return StateBucket("state", args, opts=in_account(account_provider()))


@pytest.fixture(scope="module")
def plan() -> dict:
    return plan_of(state_bucket)


def test_every_checkpoint_version_is_locked_and_kept(plan):
    lock = one(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["inputs"]["rule"] == {"defaultRetention": {"days": 30, "mode": "COMPLIANCE"}}
    lifecycle = one(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    expirations = [
        rule.get("noncurrentVersionExpiration")
        for rule in lifecycle["inputs"]["rules"]
        if rule.get("noncurrentVersionExpiration")
    ]
    assert expirations == [{"noncurrentDays": 365}]
    bucket = one(plan, "aws:s3/bucket:Bucket")
    assert bucket["protect"] and bucket["retain_on_delete"] and bucket["lands_in"]["account"] == ACCOUNT


def test_only_the_deployers_use_the_secrets_key_and_nobody_destroys_it(plan):
    key = by_name(plan, "state-secrets-key")
    statements = {s["Sid"]: s for s in key["inputs"]["policy"]["Statement"]}
    assert statements["AllowDeployersToEncryptStackSecrets"] == {
        "Sid": "AllowDeployersToEncryptStackSecrets",
        "Effect": "Allow",
        "Principal": {"AWS": [DEPLOYER]},
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        "Resource": "*",
    }
    assert statements["DenyKeyDestruction"]["Principal"] == "*" and set(statements) == {
        "AllowKeyAdministration",
        "AllowKeyPolicyChangesByBreakGlass",
        "AllowDeployersToEncryptStackSecrets",
        "DenyKeyDestruction",
    }
    # Sealed against the deployers: only break-glass replaces the policy.
    assert "kms:PutKeyPolicy" not in statements["AllowKeyAdministration"]["Action"]
    assert statements["AllowKeyPolicyChangesByBreakGlass"]["Principal"] == {"AWS": [BREAK_GLASS]}
    assert statements["AllowKeyPolicyChangesByBreakGlass"]["Action"] == ["kms:PutKeyPolicy"]
    assert (
        key["inputs"]["enableKeyRotation"] is True
        and key["inputs"]["bypassPolicyLockoutSafetyCheck"] is True
        and key["protect"]
    )


def test_the_outputs_are_what_pulumi_login_and_stack_init_take(plan):
    outputs = one(plan, "hardened:index:StateBucket")["outputs"]
    bucket = one(plan, "aws:s3/bucket:Bucket")["outputs"]["bucket"]
    key_id = by_name(plan, "state-secrets-key")["outputs"]["keyId"]
    assert outputs["backendUrl"] == f"s3://{bucket}?region={REGION}&awssdk=v2"
    assert outputs["secretsProvider"] == f"awskms://{key_id}?region={REGION}"


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"deployer_arns": []}, "deployer_arns"),
        ({"deployer_arns": ["arn:aws:iam::*:role/x"]}, "deployer_arns"),
        ({"retention_days": 0}, "retention_days"),
        ({"history_days": 10}, "history_days"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument):
    registered = {}
    with pytest.raises(ComponentArgumentError, match=f"^StateBucket 'state': argument '{argument}' "):
        run_program(lambda: state_bucket(**overrides), project=PROJECT, stack="test", registrations=registered)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []
