"""BackupVault: the exact inputs of the Backup and DR vault, its options, outputs and bad arguments; and the environment
stacks, which no longer declare one (nothing in their layout is a Backup and DR data source)."""

import shutil
from pathlib import Path

import pulumi
import pulumi_gcp as gcp
import pytest
from planning import PROJECT, by_name, one, plan_of, refusal

from hardened.errors import ComponentArgumentError
from hardened.gcp.backup_vault import BackupVault
from hardened_tools.cli import main
from hardened_tools.plan import run_program

BACKUP_PROJECT = "acme-backups"
GCP_REGION = "europe-west3"
VAULT = "gcp:backupdisasterrecovery/backupVault:BackupVault"


def vault_plan(**overrides) -> dict:
    args = {"location": GCP_REGION, "minimum_retention_days": 35} | overrides

    def program():
        provider = gcp.Provider("backup-project", project=BACKUP_PROJECT, region=GCP_REGION)
        BackupVault("offsite-vault", args, opts=pulumi.ResourceOptions(provider=provider))

    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return vault_plan(lock_effective_time="2026-01-31T00:00:00Z", labels={"purpose": "offsite-backups"})


def test_vault_enforces_its_minimum_retention_and_locks_it_at_the_effective_time(plan):
    vault = one(plan, VAULT)
    assert vault["name"] == "offsite-vault-vault"
    assert vault["inputs"] == {
        "accessRestriction": "WITHIN_ORGANIZATION",
        "backupMinimumEnforcedRetentionDuration": f"{35 * 86400}s",
        "backupVaultId": "offsite-vault",
        "effectiveTime": "2026-01-31T00:00:00Z",
        "ignoreBackupPlanReferences": False,
        "ignoreInactiveDatasources": False,
        "labels": {"purpose": "offsite-backups"},
        "location": GCP_REGION,
    }
    # The deprecated alias of ignore_inactive_datasources stays unset (false), as do the other overrides.
    assert not {"forceDelete", "forceUpdate", "allowMissing", "deletionPolicy"} & set(vault["inputs"])


def test_pulumi_can_delete_nothing_and_the_vault_lands_in_the_backup_project(plan):
    vault = one(plan, VAULT)
    assert vault["protect"] and vault["retain_on_delete"]
    assert vault["parent"] == one(plan, "hardened:index:BackupVault")["urn"]
    assert vault["provider"] == by_name(plan, "backup-project")["urn"]
    assert vault["lands_in"] == {"cloud": "gcp", "project": BACKUP_PROJECT, "region": GCP_REGION}


def test_outputs_name_the_vault_in_full(plan):
    assert one(plan, "hardened:index:BackupVault")["outputs"] == {
        "vaultId": "offsite-vault",
        "vaultName": one(plan, VAULT)["outputs"]["name"],
    }
    assert (
        one(plan, VAULT)["outputs"]["name"]
        == f"projects/{BACKUP_PROJECT}/locations/{GCP_REGION}/backupVaults/offsite-vault"
    )


def test_without_an_effective_time_the_minimum_stays_adjustable():
    vault = one(vault_plan(), VAULT)
    assert "effectiveTime" not in vault["inputs"]
    assert vault["inputs"]["backupMinimumEnforcedRetentionDuration"] == "3024000s"


@pytest.mark.parametrize("restriction", ["WITHIN_PROJECT", "WITHIN_ORGANIZATION", "WITHIN_ORG_BUT_UNRESTRICTED_FOR_BA"])
def test_access_can_be_narrowed_to_the_project(restriction):
    assert one(vault_plan(access_restriction=restriction), VAULT)["inputs"]["accessRestriction"] == restriction


def test_a_fixed_vault_id_and_the_longest_retention():
    plan = vault_plan(vault_id="acme-offsite-2026", minimum_retention_days=36500)
    vault = one(plan, VAULT)
    assert vault["inputs"]["backupVaultId"] == "acme-offsite-2026"
    assert vault["inputs"]["backupMinimumEnforcedRetentionDuration"] == "3153600000s"
    assert one(plan, "hardened:index:BackupVault")["outputs"]["vaultId"] == "acme-offsite-2026"


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"location": "EU"}, "location", "lower-case Google Cloud region"),
        ({"location": "europe-west-3"}, "location", "(got 'europe-west-3')"),
        ({"location": None}, "location", "such as europe-west3"),
        ({"minimum_retention_days": 0}, "minimum_retention_days", "from 1 to 36500 (got 0)"),
        ({"minimum_retention_days": 36501}, "minimum_retention_days", "from 1 to 36500"),
        ({"minimum_retention_days": False}, "minimum_retention_days", "whole number"),
        ({"minimum_retention_days": 1.5}, "minimum_retention_days", "whole number"),
        ({"lock_effective_time": "2026-01-31"}, "lock_effective_time", "YYYY-MM-DDTHH:MM:SSZ"),
        ({"lock_effective_time": "2026-01-31T00:00:00+01:00"}, "lock_effective_time", "RFC 3339 UTC time"),
        ({"lock_effective_time": "2026-01-31T00:00:00.000Z"}, "lock_effective_time", "2026-01-31T00:00:00Z"),
        ({"lock_effective_time": "2026-13-01T00:00:00Z"}, "lock_effective_time", "(got '2026-13-01T00:00:00Z')"),
        ({"lock_effective_time": "2026-02-30T00:00:00Z"}, "lock_effective_time", "RFC 3339"),
        ({"lock_effective_time": "2026-01-31T24:00:00Z"}, "lock_effective_time", "RFC 3339"),
        ({"vault_id": "Offsite"}, "vault_id", "lower-case letter"),
        ({"vault_id": "1offsite"}, "vault_id", "(got '1offsite'"),
        ({"vault_id": "offsite-"}, "vault_id", "not ending in '-'"),
        ({"vault_id": "o" * 64}, "vault_id", "up to 62"),
        ({"vault_id": "offsite_vault"}, "vault_id", "defaults to the component name"),
        (
            {"access_restriction": "UNRESTRICTED"},
            "access_restriction",
            "WITHIN_ORGANIZATION, WITHIN_PROJECT, WITHIN_ORG_BUT_UNRESTRICTED_FOR_BA",
        ),
        ({"access_restriction": "ACCESS_RESTRICTION_UNSPECIFIED"}, "access_restriction", "must be one of"),
        ({"access_restriction": "within_organization"}, "access_restriction", "(got 'within_organization')"),
        ({"labels": {"Purpose": "backups"}}, "labels", "lower-case"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    args = {"location": GCP_REGION, "minimum_retention_days": 35} | overrides
    message, declared = refusal(lambda: BackupVault("offsite-vault", args))
    assert message.startswith(f"BackupVault 'offsite-vault': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]


def test_a_component_name_that_is_no_vault_id_needs_an_explicit_one():
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_program(
            lambda: BackupVault("Offsite_Vault", {"location": GCP_REGION, "minimum_retention_days": 35}),
            project=PROJECT,
            stack="test",
            registrations=registered,
        )
    assert "argument 'vault_id'" in str(raised.value) and "(got 'Offsite_Vault'" in str(raised.value)
    assert [r.type for r in registered.values()] == ["pulumi:pulumi:Stack"]


ROOT = Path(__file__).resolve().parents[1]
OLD_VAULT_KEYS = '    vaultMinimumRetentionDays: 35\n    vaultLockEffectiveTime: "2027-01-04T00:00:00Z"\n'


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        (OLD_VAULT_KEYS, "vaultLockEffectiveTime and vaultMinimumRetentionDays were removed"),
        ("    vaultMinimumRetentionDays: 35\n", "vaultMinimumRetentionDays were removed"),
    ],
)
def test_a_stack_file_that_still_sets_the_vault_is_told_it_was_removed_and_why(capsys, tmp_path, keys, named):
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    prod = (ROOT / "stacks/Pulumi.prod.yaml").read_text()
    assert "vault" not in prod.split("hardened-accounts:gcp:")[1]
    (tmp_path / "stacks/Pulumi.prod.yaml").write_text(
        prod.replace("    softDeleteDays: 30\n", f"    softDeleteDays: 30\n{keys}")
    )
    code = main(["plan", "--stack", "prod", "--project-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith(
        f"error: stacks/Pulumi.prod.yaml: invalid config. key 'hardened-accounts:gcp': {named}: the stack no longer declares a "
        "Backup and DR vault, because nothing was ever backed up into it (Cloud Storage buckets are not a Backup and DR data source); "
        "delete these keys, and see docs/stacks.md, The 3-2-1 layout, for a live stack that still has the vault. Allowed: the third copy, at GCP:"
    )
    assert err.count("\n") == 1
