"""The break-glass IAM condition, parsed and evaluated by an independent CEL implementation (cel-python).

A grant must reach the backup buckets, their objects and the named vaults, and nothing else: not another
bucket, not a bucket whose name merely starts with a backup bucket's name, not another project's vault.
The deny policy carries no condition (deny conditions accept only tags), so there is nothing else to evaluate.
"""

import celpy
import pytest
from celpy.celparser import CELParseError

from hardened.gcp.documents.deny_policies import deny_backup_destruction
from hardened.gcp.documents.pam import break_glass_condition

STORAGE = "storage.googleapis.com"
BACKUP_DR = "backupdr.googleapis.com"
VAULT = "projects/acme-backups/locations/europe-west3/backupVaults/offsite-vault"


def allows(expression: str, name: str, type_: str, service: str = STORAGE) -> bool:
    env = celpy.Environment()
    program = env.program(env.compile(expression))
    result = program.evaluate(celpy.json_to_cel({"resource": {"name": name, "type": type_, "service": service}}))
    assert isinstance(result, celpy.celtypes.BoolType), f"{expression!r} gave {result!r}, not a boolean"
    return bool(result)


@pytest.fixture(scope="module")
def buckets_only() -> str:
    return break_glass_condition(["acme-backups"])


@pytest.fixture(scope="module")
def with_vault() -> str:
    return break_glass_condition(["acme-backups", "acme-backups-eu"], [VAULT])


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("projects/_/buckets/acme-backups", "storage.googleapis.com/Bucket"),
        ("projects/_/buckets/acme-backups/objects/db/2026-01-01.dump", "storage.googleapis.com/Object"),
        ("projects/_/buckets/acme-backups/objects/acme-backups-old/x", "storage.googleapis.com/Object"),
        ("projects/_/buckets/acme-backups/managedFolders/db/", "storage.googleapis.com/ManagedFolder"),
    ],
)
def test_the_backup_bucket_and_everything_in_it_are_reached(buckets_only, name, type_):
    assert allows(buckets_only, name, type_)


@pytest.mark.parametrize(
    ("name", "type_", "service"),
    [
        ("projects/_/buckets/other-bucket", "storage.googleapis.com/Bucket", STORAGE),
        ("projects/_/buckets/other-bucket/objects/acme-backups", "storage.googleapis.com/Object", STORAGE),
        # A bucket whose name merely starts with the backup bucket's name.
        ("projects/_/buckets/acme-backups-old", "storage.googleapis.com/Bucket", STORAGE),
        ("projects/_/buckets/acme-backups-old/objects/db.dump", "storage.googleapis.com/Object", STORAGE),
        ("projects/_/buckets/acme-backupsx/objects/db.dump", "storage.googleapis.com/Object", STORAGE),
        # Another project's resources, and the project itself.
        ("projects/other-project/locations/europe-west3/backupVaults/acme-backups", "backupdr.googleapis.com/BackupVault", BACKUP_DR),
        ("projects/acme-backups", "cloudresourcemanager.googleapis.com/Project", "cloudresourcemanager.googleapis.com"),
        ("projects/other-project/zones/europe-west3-a/disks/acme-backups", "compute.googleapis.com/Disk", "compute.googleapis.com"),
        # The right name with another service's claim to it.
        ("projects/_/buckets/acme-backups", "storage.googleapis.com/Bucket", BACKUP_DR),
        ("", "", ""),
    ],
)
def test_nothing_else_is_reached(buckets_only, name, type_, service):
    assert not allows(buckets_only, name, type_, service)


def test_several_buckets_and_a_vault_are_each_reached_with_what_they_hold(with_vault):
    assert allows(with_vault, "projects/_/buckets/acme-backups-eu/objects/x", "storage.googleapis.com/Object")
    assert allows(with_vault, "projects/_/buckets/acme-backups", "storage.googleapis.com/Bucket")
    assert allows(with_vault, VAULT, "backupdr.googleapis.com/BackupVault", BACKUP_DR)
    assert allows(with_vault, f"{VAULT}/dataSources/ds-1/backups/b-1", "backupdr.googleapis.com/Backup", BACKUP_DR)


def test_other_vaults_and_buckets_stay_out_of_reach_of_the_wider_condition(with_vault):
    assert not allows(with_vault, f"{VAULT}-old", "backupdr.googleapis.com/BackupVault", BACKUP_DR)
    assert not allows(with_vault, VAULT.replace("acme-backups", "other-project"), "backupdr.googleapis.com/BackupVault", BACKUP_DR)
    assert not allows(with_vault, VAULT, "backupdr.googleapis.com/BackupVault", STORAGE)
    assert not allows(with_vault, "projects/_/buckets/acme-backups-eu-old", "storage.googleapis.com/Bucket")


def test_the_expression_is_written_out_literally():
    assert break_glass_condition(["b-two", "b-one", "b-one"]) == (
        '(resource.service == "storage.googleapis.com" && (resource.name == "projects/_/buckets/b-one"'
        ' || resource.name.startsWith("projects/_/buckets/b-one/")))'
        ' || (resource.service == "storage.googleapis.com" && (resource.name == "projects/_/buckets/b-two"'
        ' || resource.name.startsWith("projects/_/buckets/b-two/")))'
    )


@pytest.mark.parametrize(
    ("buckets", "vaults"),
    [
        ([], None),
        (["acme-*"], None),
        (['acme") || true || ("'], None),
        (["Acme-Backups"], None),
        (["acme.backups.example.com"], None),
        (["acme-backups"], ["offsite-vault"]),
        (["acme-backups"], ["projects/acme-backups/locations/europe-west3/backupVaults/*"]),
    ],
)
def test_names_that_would_widen_or_break_the_expression_are_refused(buckets, vaults):
    with pytest.raises(ValueError):
        break_glass_condition(buckets, vaults)


def test_a_syntactically_broken_expression_is_rejected_by_the_parser(buckets_only):
    env = celpy.Environment()
    env.compile(buckets_only)  # the real one parses
    for broken in (buckets_only[:-1], buckets_only.replace("&&", "&"), 'resource.name.startsWith("projects/_/buckets/a"'):
        with pytest.raises(CELParseError):
            env.compile(broken)


def test_the_deny_rule_has_no_condition_to_evaluate():
    rule = deny_backup_destruction(["principalSet://goog/group/bg@acme.example"])["deny_rule"]
    assert "denial_condition" not in rule
