"""The policy pack and its rules: each policy judged through pulumi-policy's own argument types, every real
stack's offline plan, a hand-made program that breaks every rule, and a pack that imports without serving."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest
import yaml
from google.protobuf import json_format, struct_pb2
from module_files import module_from_file
from planning import ACCOUNT, account_provider, in_account, plan_of, shipped_plan
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    proxy,
)
from pulumi_policy.deserialize import deserialize_properties

from hardened_tools.plan import find_project
from hardened_tools.policy.rules import (
    MINIMUM_RETENTION_DAYS,
    RULE_NAMES,
    RULES,
    STACK_RULES,
    UNKNOWN_SENTINELS,
    PlannedResource,
    Violation,
    evaluate_plan,
    tier_of,
)

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "tools" / "hardened_tools" / "policy_pack"
STACKS = ("org", "dev", "staging", "prod")
MFA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TrustBreakGlassUsersWithRecentMfa",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/break-glass-1"]},
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "900"},
            },
        }
    ],
}


def load_pack_module():
    return module_from_file("hardened_policies", PACK / "hardened_policies.py")


PACK_MODULE = load_pack_module()
POLICIES = {policy.name: policy for policy in PACK_MODULE.POLICIES}


# ---------------------------------------------------------------------------------------------------
# (a) Every policy through pulumi-policy's own ResourceValidationArgs / StackValidationArgs.


def engine_props(props: dict):
    """Props as the analyzer hands them over: through protobuf (numbers become floats), unknown-checking proxy."""
    struct = struct_pb2.Struct()
    struct.update(props)
    return proxy.unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def resource_args(
    type_: str,
    props: dict,
    *,
    name: str = "subject",
    protect: bool = False,
    config: dict | None = None,
    provider: str | None = None,
) -> ResourceValidationArgs:
    provider_resource = (
        PolicyProviderResource(f"pulumi:providers:{type_.split(':')[0]}", engine_props({}), provider, "p")
        if provider
        else None
    )
    return ResourceValidationArgs(
        type_,
        engine_props(props),
        f"urn:pulumi:test::hardened-test::{type_}::{name}",
        name,
        options(protect),
        provider_resource,
        config,
    )


def reported(policy, args) -> list[tuple[str, str | None]]:
    calls: list[tuple[str, str | None]] = []
    result = policy.validate(args, lambda message, urn=None: calls.append((message, urn)))
    assert result is None
    return calls


def messages(policy_name: str, type_: str, props: dict, **kwargs) -> list[str]:
    return [message for message, _ in reported(POLICIES[policy_name], resource_args(type_, props, **kwargs))]


NON_PRODUCTION = {"tier": "non-production"}
PRODUCTION = {"tier": "production"}
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
ALL_BLOCKED = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
GCS = "gcp:storage/bucket:Bucket"
PRIVATE_GCS = {
    "location": "US-EAST4",
    "publicAccessPrevention": "enforced",
    "uniformBucketLevelAccess": True,
    "retentionPolicy": {"isLocked": True, "retentionPeriod": "34560000"},
}
ROLE = "aws:iam/role:Role"
GCP_VAULT = "gcp:backupdisasterrecovery/backupVault:BackupVault"


def retention(mode: str, **period) -> dict:
    return {"bucket": "b", "objectLockEnabled": "Enabled", "rule": {"defaultRetention": {"mode": mode, **period}}}


BREAK_GLASS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/hardened-break-glass"


def key_policy(principal, action: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Admin", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
            ],
        }
    )


def trust(**condition) -> str:
    statement = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# (policy, type, props, validation kwargs, expected message fragments: none means the resource passes)
CASES = [
    ("object-lock-compliance-in-production", LOCK, retention("COMPLIANCE", days=35), {}, []),
    ("object-lock-compliance-in-production", LOCK, retention("COMPLIANCE", years=1), {"config": PRODUCTION}, []),
    (
        "object-lock-compliance-in-production",
        LOCK,
        retention("GOVERNANCE", days=35),
        {},
        ["retention mode is 'GOVERNANCE'"],
    ),
    (
        "object-lock-compliance-in-production",
        LOCK,
        retention("COMPLIANCE", days=7),
        {},
        ["default retention is 7 days"],
    ),
    (
        "object-lock-compliance-in-production",
        LOCK,
        {"bucket": "b", "objectLockEnabled": "Enabled"},
        {},
        ["no default retention"],
    ),
    ("object-lock-compliance-in-production", LOCK, retention("GOVERNANCE", days=1), {"config": NON_PRODUCTION}, []),
    ("no-public-buckets", PAB, {"bucket": "b", **ALL_BLOCKED}, {}, []),
    (
        "no-public-buckets",
        PAB,
        {"bucket": "b", **ALL_BLOCKED, "restrictPublicBuckets": False},
        {},
        ["restrictPublicBuckets not true"],
    ),
    ("no-public-buckets", ACCOUNT_PAB, ALL_BLOCKED, {}, []),
    (
        "no-public-buckets",
        ACCOUNT_PAB,
        {"blockPublicAcls": True},
        {},
        ["blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets not true: the account-level"],
    ),
    ("no-public-buckets", GCS, PRIVATE_GCS, {}, []),
    (
        "no-public-buckets",
        GCS,
        {**PRIVATE_GCS, "publicAccessPrevention": "inherited"},
        {},
        ["publicAccessPrevention is 'inherited'"],
    ),
    (
        "no-public-buckets",
        GCS,
        {**PRIVATE_GCS, "uniformBucketLevelAccess": False},
        {},
        ["uniformBucketLevelAccess is off"],
    ),
    ("kms-keys-rotate", "aws:kms/key:Key", {"enableKeyRotation": True, "deletionWindowInDays": 30}, {}, []),
    ("kms-keys-rotate", "aws:kms/key:Key", {"enableKeyRotation": False}, {}, ["enableKeyRotation is not true"]),
    ("kms-keys-rotate", "aws:kms/key:Key", {"description": "no rotation given"}, {}, ["enableKeyRotation is not true"]),
    (
        "kms-keys-rotate",
        "aws:kms/key:Key",
        {"enableKeyRotation": True, "rotationPeriodInDays": 730},
        {},
        ["rotationPeriodInDays is 730"],
    ),
    ("kms-keys-rotate", "gcp:kms/cryptoKey:CryptoKey", {"keyRing": "r", "rotationPeriod": "7776000s"}, {}, []),
    (
        "kms-keys-rotate",
        "gcp:kms/cryptoKey:CryptoKey",
        {"keyRing": "r", "rotationPeriod": "63072000s"},
        {},
        ["rotationPeriod is 730 days"],
    ),
    ("kms-keys-rotate", "gcp:kms/cryptoKey:CryptoKey", {"keyRing": "r"}, {}, ["no rotationPeriod"]),
    (
        "kms-key-policies-sealed",
        "aws:kms/key:Key",
        {"policy": key_policy({"AWS": BREAK_GLASS_ROLE}, "kms:PutKeyPolicy")},
        {},
        [],
    ),
    (
        "kms-key-policies-sealed",
        "aws:kms/key:Key",
        {"policy": key_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*")},
        {},
        [f"key policy statement Admin lets arn:aws:iam::{ACCOUNT}:root replace the policy"],
    ),
    (
        "kms-key-policies-sealed",
        "aws:kms/key:Key",
        {"policy": key_policy("*", "kms:Put*")},
        {},
        ["lets * replace the policy"],
    ),
    (
        "kms-key-policies-sealed",
        "aws:kms/key:Key",
        {"policy": key_policy({"AWS": ACCOUNT}, "*")},
        {},
        [f"lets {ACCOUNT} replace the policy"],
    ),
    (
        "kms-key-policies-sealed",
        "aws:kms/key:Key",
        {"policy": key_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:Decrypt")},
        {},
        [],
    ),
    ("kms-key-policies-sealed", "aws:kms/key:Key", {"enableKeyRotation": True}, {}, ["no key policy"]),
    (
        "break-glass-requires-mfa",
        ROLE,
        {"name": "hardened-break-glass", "assumeRolePolicy": json.dumps(MFA_TRUST), "maxSessionDuration": 3600},
        {},
        [],
    ),
    (
        "break-glass-requires-mfa",
        ROLE,
        {"name": "hardened-break-glass", "assumeRolePolicy": json.dumps(MFA_TRUST)},
        {},
        [],
    ),
    (
        "break-glass-requires-mfa",
        ROLE,
        {"name": "ops-break-glass", "assumeRolePolicy": trust()},
        {},
        [
            "does not require Bool aws:MultiFactorAuthPresent true",
            "does not limit NumericLessThan aws:MultiFactorAuthAge",
        ],
    ),
    (
        "break-glass-requires-mfa",
        ROLE,
        {"name": "operators", "assumeRolePolicy": trust(Bool={"aws:MultiFactorAuthPresent": "true"})},
        {},
        ["role trusted by IAM users: trust statement #0 does not limit NumericLessThan aws:MultiFactorAuthAge"],
    ),
    (
        "break-glass-requires-mfa",
        ROLE,
        {
            "name": "operators",
            "assumeRolePolicy": trust(
                BoolIfExists={"aws:MultiFactorAuthPresent": "true"}, NumericLessThan={"aws:MultiFactorAuthAge": "900"}
            ),
        },
        {},
        ["does not require Bool aws:MultiFactorAuthPresent true"],
    ),
    (
        "break-glass-requires-mfa",
        ROLE,
        {
            "name": "operators",
            "assumeRolePolicy": trust(
                Bool={"aws:MultiFactorAuthPresent": "true"}, NumericLessThan={"aws:MultiFactorAuthAge": "86400"}
            ),
        },
        {},
        ["accepts MFA up to 86400 seconds old"],
    ),
    (
        "break-glass-requires-mfa",
        ROLE,
        {"name": "hardened-break-glass", "assumeRolePolicy": json.dumps(MFA_TRUST), "maxSessionDuration": 43200},
        {},
        ["maxSessionDuration is 43200"],
    ),
    ("break-glass-requires-mfa", ROLE, {"name": "hardened-break-glass"}, {}, ["no readable trust policy"]),
    (
        "break-glass-requires-mfa",
        ROLE,
        {
            "name": "backup-service",
            "assumeRolePolicy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "backup.amazonaws.com"},
                        }
                    ],
                }
            ),
            "maxSessionDuration": 43200,
        },
        {},
        [],
    ),
    (
        "gcp-backup-vaults-enforce-retention",
        GCP_VAULT,
        {"backupVaultId": "v", "backupMinimumEnforcedRetentionDuration": "3024000s"},
        {},
        [],
    ),
    (
        "gcp-backup-vaults-enforce-retention",
        GCP_VAULT,
        {"backupVaultId": "v", "backupMinimumEnforcedRetentionDuration": "86400s"},
        {},
        [f"is 1 day: production keeps at least {MINIMUM_RETENTION_DAYS} days"],
    ),
    (
        "gcp-backup-vaults-enforce-retention",
        GCP_VAULT,
        {"backupVaultId": "v", "backupMinimumEnforcedRetentionDuration": "86400s"},
        {"config": NON_PRODUCTION},
        [],
    ),
    (
        "gcp-backup-vaults-enforce-retention",
        GCP_VAULT,
        {"backupVaultId": "v", "backupMinimumEnforcedRetentionDuration": "0s"},
        {"config": NON_PRODUCTION},
        ["enforces nothing"],
    ),
    (
        "gcp-backup-vaults-enforce-retention",
        GCP_VAULT,
        {"backupVaultId": "v"},
        {},
        ["no backupMinimumEnforcedRetentionDuration"],
    ),
    ("data-resources-protected", "aws:s3/bucket:Bucket", {"objectLockEnabled": True}, {"protect": True}, []),
    ("data-resources-protected", "aws:s3/bucket:Bucket", {"objectLockEnabled": True}, {}, ["protect is not set"]),
    ("data-resources-protected", "gcp:organizations/project:Project", {"projectId": "p"}, {}, ["protect is not set"]),
    (
        "data-resources-protected",
        "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
        {"name": "v"},
        {},
        ["protect is not set"],
    ),
    (
        "data-resources-protected",
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        {"backupVaultName": "v"},
        {},
        ["protect is not set"],
    ),
    ("data-resources-protected", ROLE, {"name": "not-data"}, {}, []),
    # pulumi-policy does not pass retainOnDelete to policies, so the advisory can only judge offline plans.
    ("data-resources-retained", "aws:s3/bucket:Bucket", {"objectLockEnabled": True}, {}, []),
    ("gcs-retention-locked-in-production", GCS, PRIVATE_GCS, {}, []),
    (
        "gcs-retention-locked-in-production",
        GCS,
        {**PRIVATE_GCS, "retentionPolicy": {"isLocked": False, "retentionPeriod": "86400"}},
        {},
        ["retention policy is not locked"],
    ),
    (
        "gcs-retention-locked-in-production",
        GCS,
        {**PRIVATE_GCS, "retentionPolicy": None},
        {"config": NON_PRODUCTION},
        [],
    ),
]


@pytest.mark.parametrize(
    "policy, type_, props, kwargs, expected",
    CASES,
    ids=[f"{c[0]}-{i}-{'passes' if not c[4] else 'violates'}" for i, c in enumerate(CASES)],
)
def test_each_policy_reports_exactly_what_is_wrong(policy, type_, props, kwargs, expected):
    found = messages(policy, type_, {k: v for k, v in props.items() if v is not None}, **kwargs)
    assert len(found) == len(expected), found
    for fragment, message in zip(expected, found, strict=True):
        assert fragment in message


def test_every_policy_has_a_violating_and_a_passing_case():
    violated = {case[0] for case in CASES if case[4]}
    passed = {case[0] for case in CASES if not case[4]}
    resource_policies = {rule.name for rule in RULES}
    assert resource_policies - {"data-resources-retained"} <= violated
    assert resource_policies <= passed


def test_policies_keep_the_rules_names_enforcement_and_tier_config():
    assert list(POLICIES) == list(RULE_NAMES)
    for rule in RULES:
        policy = POLICIES[rule.name]
        assert isinstance(policy, ResourceValidationPolicy)
        assert policy.description == rule.description
        assert (
            policy.enforcement_level
            == {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}[rule.enforcement]
        )
        if rule.uses_tier:
            assert policy.config_schema.properties["tier"]["default"] == "production"
            assert policy.config_schema.properties["tier"]["enum"] == ["production", "non-production"]
        else:
            assert policy.config_schema is None
    assert isinstance(POLICIES["backup-vaults-locked"], StackValidationPolicy)
    assert POLICIES["backup-vaults-locked"].enforcement_level == EnforcementLevel.MANDATORY
    assert POLICIES["data-resources-retained"].enforcement_level == EnforcementLevel.ADVISORY
    assert POLICIES["gcs-retention-locked-in-production"].enforcement_level == EnforcementLevel.ADVISORY
    assert PACK_MODULE.TIER_AWARE == [
        "object-lock-compliance-in-production",
        "gcp-backup-vaults-enforce-retention",
        "gcs-retention-locked-in-production",
    ]


def test_a_policy_ignores_resources_of_other_types():
    assert messages("kms-keys-rotate", "aws:s3/bucket:Bucket", {"enableKeyRotation": False}) == []


def test_a_bad_tier_in_the_policy_config_is_an_error():
    with pytest.raises(ValueError, match="'tier' must be one of production, non-production"):
        messages(
            "object-lock-compliance-in-production", LOCK, retention("COMPLIANCE", days=35), config={"tier": "prod"}
        )


def test_an_unknown_value_the_rule_needs_is_reported_as_pulumi_policy_reports_it():
    with pytest.raises(proxy.UnknownValueError) as raised:
        messages("kms-keys-rotate", "aws:kms/key:Key", {"enableKeyRotation": proxy.UNKNOWN_BOOLEAN_VALUE})
    assert raised.value.message == "boolean value at .enableKeyRotation can't be known during preview"
    with pytest.raises(proxy.UnknownValueError):
        messages(
            "break-glass-requires-mfa",
            ROLE,
            {"name": "hardened-break-glass", "assumeRolePolicy": proxy.UNKNOWN_STRING_VALUE},
        )


def test_unknown_values_the_rule_does_not_need_stay_out_of_the_way():
    # The bucket name of a new bucket is unknown during preview; the flags are what matters.
    assert messages("no-public-buckets", PAB, {"bucket": proxy.UNKNOWN_STRING_VALUE, **ALL_BLOCKED}) == []
    assert (
        messages(
            "no-public-buckets",
            PAB,
            {
                "bucket": proxy.UNKNOWN_STRING_VALUE,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
            },
        )
        != []
    )


def test_the_rules_know_the_engines_unknown_sentinels():
    names = ("BOOLEAN", "NUMBER", "STRING", "ARRAY", "ASSET", "ARCHIVE", "OBJECT")
    assert UNKNOWN_SENTINELS == {getattr(proxy, f"UNKNOWN_{name}_VALUE") for name in names}


def test_policy_documents_arrive_as_json_text_and_are_parsed():
    args = resource_args(
        ROLE,
        {"name": "hardened-break-glass", "assumeRolePolicy": json.dumps(MFA_TRUST), "maxSessionDuration": 3600},
        protect=True,
    )
    resource = PlannedResource.from_policy_args(args, "production")
    assert resource.inputs["assumeRolePolicy"] == MFA_TRUST
    assert resource.inputs["maxSessionDuration"] == 3600  # a float from protobuf; the rules compare numbers
    assert resource.protect is True and resource.retain_on_delete is None
    assert resource.stack_tier == "production" and resource.name == "subject"


def stack_resource(
    type_: str, name: str, props: dict, provider: str = "urn:pulumi:test::p::pulumi:providers:aws::backup"
) -> PolicyResource:
    return PolicyResource(
        type_,
        engine_props(props),
        f"urn:pulumi:test::hardened-test::{type_}::{name}",
        name,
        options(True),
        PolicyProviderResource("pulumi:providers:aws", engine_props({}), provider, provider.rsplit("::", 1)[-1]),
        None,
        [],
        {},
    )


def stack_violations(*resources: PolicyResource) -> list[tuple[str, str | None]]:
    return reported(POLICIES["backup-vaults-locked"], StackValidationArgs(list(resources)))


VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"


def test_a_vault_with_a_lock_naming_it_passes_the_stack_policy():
    assert (
        stack_violations(
            stack_resource(
                VAULT, "vault", {"name": "backups", "arn": "arn:aws:backup:eu-west-1:111122223333:backup-vault:backups"}
            ),
            stack_resource(VAULT_LOCK, "lock", {"backupVaultName": "backups", "minRetentionDays": 35}),
        )
        == []
    )


def test_a_vault_without_a_lock_is_reported_against_the_vault():
    vault = stack_resource(VAULT, "vault", {"name": "backups"})
    found = stack_violations(vault, stack_resource(VAULT_LOCK, "lock", {"backupVaultName": "other"}))
    assert len(found) == 1
    message, urn = found[0]
    assert "backup vault 'backups' (vault) has no aws:backup/vaultLockConfiguration naming it" in message
    assert urn == vault.urn


def test_a_lock_in_another_account_does_not_lock_a_vault_of_the_same_name():
    vault = stack_resource(
        VAULT, "vault", {"name": "backups"}, provider="urn:pulumi:test::p::pulumi:providers:aws::workload"
    )
    lock = stack_resource(
        VAULT_LOCK, "lock", {"backupVaultName": "backups"}, provider="urn:pulumi:test::p::pulumi:providers:aws::backup"
    )
    assert [urn for _, urn in stack_violations(vault, lock)] == [vault.urn]


def test_a_vault_name_unknown_during_preview_cannot_be_judged_yet():
    with pytest.raises(proxy.UnknownValueError):
        stack_violations(stack_resource(VAULT, "vault", {"name": proxy.UNKNOWN_STRING_VALUE}))


# ---------------------------------------------------------------------------------------------------
# (b) Every stack of the project keeps every mandatory rule.


@pytest.fixture(scope="module")
def stack_plans() -> dict[str, dict]:
    return {stack: shipped_plan(stack) for stack in STACKS}


def test_the_project_has_exactly_these_stacks():
    assert sorted(find_project(ROOT).stacks()) == sorted(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_keeps_every_mandatory_rule(stack_plans, stack):
    mandatory = [str(v) for v in evaluate_plan(stack_plans[stack]) if v.enforcement == "mandatory"]
    assert mandatory == []


def test_the_tier_of_each_stack_comes_from_its_plan(stack_plans):
    assert {stack: tier_of(plan) for stack, plan in stack_plans.items()} == {
        "org": "production",
        "dev": "non-production",
        "staging": "non-production",
        "prod": "production",
    }


def test_the_rules_judged_something_in_the_stacks(stack_plans):
    """No vacuous pass: every resource rule applies to some resource of some stack."""
    types = {r["type"] for plan in stack_plans.values() for r in plan["resources"]}
    unexercised = [rule.name for rule in RULES if not set(rule.resource_types) & types]
    # No stack declares a Backup and DR vault any more (docs/stacks.md, The 3-2-1 layout): its rule is judged on the
    # careless program below, which must break it.
    assert unexercised == ["gcp-backup-vaults-enforce-retention"]
    assert "gcp:backupdisasterrecovery/backupVault:BackupVault" not in types
    assert "aws:backup/vault:Vault" in types


def test_dev_judged_as_production_breaks_the_production_lock_rule(stack_plans):
    found = {(v.policy, v.name) for v in evaluate_plan(stack_plans["dev"], tier="production")}
    assert found == {
        ("object-lock-compliance-in-production", "dev-backups-object-lock"),
        ("object-lock-compliance-in-production", "dev-replicas-object-lock"),
    }


def test_tier_of_reads_config_and_outputs_when_the_plan_has_them():
    assert (
        tier_of(
            {"project": "hardened-accounts", "config": {"hardened-accounts:tier": "non-production"}, "resources": []}
        )
        == "non-production"
    )
    assert (
        tier_of({"project": "hardened-accounts", "config": {"hardened-accounts:kind": "organization"}, "resources": []})
        == "production"
    )
    assert tier_of({"outputs": {"tier": "production"}, "resources": []}) == "production"
    assert tier_of({"resources": [], "outputs": {}}) is None


# ---------------------------------------------------------------------------------------------------
# (c) A hand-made program under the mock runtime that breaks every rule.


def careless_program() -> None:
    in_aws = in_account(account_provider())
    kept = pulumi.ResourceOptions.merge(in_aws, pulumi.ResourceOptions(protect=True, retain_on_delete=True))
    bucket = aws.s3.Bucket("loose-bucket", opts=in_aws)
    aws.s3.BucketObjectLockConfiguration(
        "short-lock",
        bucket=bucket.bucket,
        object_lock_enabled="Enabled",
        rule={"default_retention": {"mode": "GOVERNANCE", "days": 1}},
        opts=in_aws,
    )
    aws.s3.BucketPublicAccessBlock(
        "half-public-access-block", bucket=bucket.bucket, block_public_acls=True, opts=in_aws
    )
    aws.s3.AccountPublicAccessBlock(
        "account-public-access-block",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=False,
        opts=in_aws,
    )
    aws.kms.Key("static-key", enable_key_rotation=False, opts=kept)
    aws.iam.Role(
        "ops-break-glass", name="ops-break-glass", max_session_duration=43200, assume_role_policy=trust(), opts=in_aws
    )
    aws.iam.Role(
        "operators",
        name="operators",
        assume_role_policy=trust(Bool={"aws:MultiFactorAuthPresent": "true"}),
        opts=in_aws,
    )
    aws.backup.Vault("unlocked-vault", name="unlocked", opts=kept)
    in_gcp = pulumi.ResourceOptions(provider=gcp.Provider("gcp", project="acme-backups", region="us-east4"))
    kept_gcp = pulumi.ResourceOptions.merge(in_gcp, pulumi.ResourceOptions(protect=True, retain_on_delete=True))
    gcp.storage.Bucket(
        "open-bucket",
        location="US-EAST4",
        public_access_prevention="inherited",
        uniform_bucket_level_access=False,
        opts=kept_gcp,
    )
    gcp.kms.CryptoKey(
        "static-crypto-key", key_ring="projects/acme-backups/locations/us-east4/keyRings/ring", opts=kept_gcp
    )
    gcp.backupdisasterrecovery.BackupVault(
        "short-vault",
        location="us-east4",
        backup_vault_id="short",
        backup_minimum_enforced_retention_duration="86400s",
        opts=kept_gcp,
    )
    gcp.organizations.Project("loose-project", name="loose", project_id="loose-1234", opts=in_gcp)


@pytest.fixture(scope="module")
def careless_plan() -> dict:
    return plan_of(careless_program)


MANDATORY_BROKEN = {
    ("object-lock-compliance-in-production", "short-lock"),
    ("no-public-buckets", "half-public-access-block"),
    ("no-public-buckets", "account-public-access-block"),
    ("no-public-buckets", "open-bucket"),
    ("kms-keys-rotate", "static-key"),
    ("kms-keys-rotate", "static-crypto-key"),
    ("break-glass-requires-mfa", "ops-break-glass"),
    ("break-glass-requires-mfa", "operators"),
    ("gcp-backup-vaults-enforce-retention", "short-vault"),
    ("data-resources-protected", "loose-bucket"),
    ("data-resources-protected", "loose-project"),
    ("backup-vaults-locked", "unlocked-vault"),
}


def test_the_careless_program_is_rejected_by_every_mandatory_rule(careless_plan):
    assert tier_of(careless_plan) is None  # nobody said: judged as production
    violations = evaluate_plan(careless_plan)
    assert all(isinstance(v, Violation) for v in violations)
    assert {(v.policy, v.name) for v in violations if v.enforcement == "mandatory"} == MANDATORY_BROKEN
    assert {v.policy for v in violations if v.enforcement == "mandatory"} == {
        r.name for r in (*RULES, *STACK_RULES) if r.enforcement == "mandatory"
    }


def test_the_careless_program_breaks_the_advisories_too(careless_plan):
    assert {(v.policy, v.name) for v in evaluate_plan(careless_plan) if v.enforcement == "advisory"} == {
        ("data-resources-retained", "loose-bucket"),
        ("data-resources-retained", "loose-project"),
        ("gcs-retention-locked-in-production", "open-bucket"),
        ("kms-key-policies-sealed", "static-key"),
    }


def test_violations_name_the_resource_they_are_about(careless_plan):
    urns = {r["name"]: r["urn"] for r in careless_plan["resources"]}
    for violation in evaluate_plan(careless_plan):
        assert violation.urn == urns[violation.name]
    vault = next(v for v in evaluate_plan(careless_plan) if v.policy == "backup-vaults-locked")
    assert vault.message.startswith("backup vault 'unlocked' (unlocked-vault) has no aws:backup/vaultLockConfiguration")


def test_the_careless_program_as_non_production_keeps_only_the_tier_independent_violations(careless_plan):
    found = {
        (v.policy, v.name) for v in evaluate_plan(careless_plan, tier="non-production") if v.enforcement == "mandatory"
    }
    assert found == MANDATORY_BROKEN - {
        ("object-lock-compliance-in-production", "short-lock"),
        ("gcp-backup-vaults-enforce-retention", "short-vault"),
    }


def test_evaluate_plan_rejects_an_unknown_tier(careless_plan):
    with pytest.raises(ValueError, match="tier must be one of production, non-production"):
        evaluate_plan(careless_plan, tier="prod")


# ---------------------------------------------------------------------------------------------------
# (d) The pack: importing its policies serves nothing; __main__ serves all of them.


def test_importing_the_policies_starts_no_server():
    # PolicyPack(...) prints its port and sleeps forever: a clean, quick exit with only our line shows it never ran.
    result = subprocess.run(
        [sys.executable, "-c", "import hardened_policies as h; print('policies', len(h.POLICIES))"],
        cwd=PACK,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"policies {len(RULE_NAMES)}\n"


def test_the_pack_main_serves_every_policy(monkeypatch):
    constructed = []
    monkeypatch.setattr(
        "pulumi_policy.PolicyPack", lambda name, policies, **kwargs: constructed.append((name, policies, kwargs))
    )
    monkeypatch.delitem(sys.modules, "hardened_policies", raising=False)
    runpy.run_path(str(PACK), run_name="__main__")  # as pulumi's policy host runs a pack directory
    sys.modules.pop("hardened_policies", None)
    assert len(constructed) == 1
    name, policies, _ = constructed[0]
    assert name == "hardened-accounts"
    assert [p.name for p in policies] == list(RULE_NAMES)


def test_the_pack_project_files():
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python" and project["description"]
    requirements = [
        line.strip()
        for line in (PACK / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert any(line.startswith("pulumi-policy") for line in requirements)
    # The pack ships in the package: its requirements name the library from the package index, not a checkout.
    assert "hardened-accounts" in requirements and not any(line.startswith("-e") for line in requirements)
