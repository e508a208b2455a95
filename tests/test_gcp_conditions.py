"""The break-glass IAM condition, parsed and evaluated by an independent CEL implementation (cel-python).

A grant must reach the backup buckets, their objects and the named vaults, and nothing else: not another
bucket, not a bucket whose name merely starts with a backup bucket's name, not another project's vault.
The stacks' grant narrows by the off-site buckets' name prefix; it is judged on the real org and prod plans.
The deny policy carries no condition (deny conditions accept only tags), so there is nothing else to evaluate.
"""

import celpy
import pytest
from celpy.celparser import CELParseError
from planning import one, shipped_plan

from hardened.gcp.documents.deny_policies import deny_backup_destruction, folder_deny_rules
from hardened.gcp.documents.pam import break_glass_condition, break_glass_prefix_condition

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
        (
            "projects/other-project/locations/europe-west3/backupVaults/acme-backups",
            "backupdr.googleapis.com/BackupVault",
            BACKUP_DR,
        ),
        ("projects/acme-backups", "cloudresourcemanager.googleapis.com/Project", "cloudresourcemanager.googleapis.com"),
        (
            "projects/other-project/zones/europe-west3-a/disks/acme-backups",
            "compute.googleapis.com/Disk",
            "compute.googleapis.com",
        ),
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
    assert not allows(
        with_vault, VAULT.replace("acme-backups", "other-project"), "backupdr.googleapis.com/BackupVault", BACKUP_DR
    )
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
    for broken in (
        buckets_only[:-1],
        buckets_only.replace("&&", "&"),
        'resource.name.startsWith("projects/_/buckets/a"',
    ):
        with pytest.raises(CELParseError):
            env.compile(broken)


def test_the_deny_rules_have_no_condition_to_evaluate():
    rule = deny_backup_destruction(["principalSet://goog/group/bg@acme.example"])["deny_rule"]
    assert "denial_condition" not in rule
    assert all(
        "denial_condition" not in r["deny_rule"]
        for r in folder_deny_rules(["principalSet://goog/group/bg@acme.example"], [])
    )


@pytest.fixture(scope="module")
def by_prefix() -> str:
    return break_glass_prefix_condition(["prod-offsite-bucket-", "dev-offsite-bucket-"])


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("projects/_/buckets/prod-offsite-bucket-1a2b3c4", "storage.googleapis.com/Bucket"),
        (
            "projects/_/buckets/prod-offsite-bucket-1a2b3c4/objects/backups/2026-01-01.dump",
            "storage.googleapis.com/Object",
        ),
        ("projects/_/buckets/dev-offsite-bucket-0000000/objects/x", "storage.googleapis.com/Object"),
    ],
)
def test_the_off_site_buckets_of_the_named_environments_and_their_objects_are_reached(by_prefix, name, type_):
    assert allows(by_prefix, name, type_)


@pytest.mark.parametrize(
    ("name", "type_", "service"),
    [
        # Lookalikes: the prefix without its "-", another environment's name around it, a longer environment name.
        ("projects/_/buckets/prod-offsite-bucket", "storage.googleapis.com/Bucket", STORAGE),
        ("projects/_/buckets/prod-offsite-bucketx/objects/x", "storage.googleapis.com/Object", STORAGE),
        ("projects/_/buckets/production-offsite-bucket-1a2b3c4", "storage.googleapis.com/Bucket", STORAGE),
        ("projects/_/buckets/staging-prod-offsite-bucket-1a2b3c4/objects/x", "storage.googleapis.com/Object", STORAGE),
        ("projects/_/buckets/staging-offsite-bucket-1a2b3c4", "storage.googleapis.com/Bucket", STORAGE),
        ("projects/_/buckets/other/objects/prod-offsite-bucket-1a2b3c4/x", "storage.googleapis.com/Object", STORAGE),
        # Keys, the project and other services stay out of reach.
        (
            "projects/acme-backups/locations/us-east4/keyRings/prod-offsite-keyring/cryptoKeys/prod-offsite-key",
            "cloudkms.googleapis.com/CryptoKey",
            "cloudkms.googleapis.com",
        ),
        ("projects/acme-backups", "cloudresourcemanager.googleapis.com/Project", "cloudresourcemanager.googleapis.com"),
        ("projects/_/buckets/prod-offsite-bucket-1a2b3c4", "storage.googleapis.com/Bucket", BACKUP_DR),
    ],
)
def test_nothing_but_those_buckets_is_reached_by_prefix(by_prefix, name, type_, service):
    assert not allows(by_prefix, name, type_, service)


def test_the_prefix_expression_is_written_out_literally():
    assert break_glass_prefix_condition(["b-", "a-", "a-"]) == (
        '(resource.service == "storage.googleapis.com" && resource.name.startsWith("projects/_/buckets/a-"))'
        ' || (resource.service == "storage.googleapis.com" && resource.name.startsWith("projects/_/buckets/b-"))'
    )


@pytest.mark.parametrize(
    "prefixes",
    [
        [],
        ["prod"],
        ["prod-offsite-bucket"],
        ["Prod-"],
        ["prod.example-"],
        ["prod-*"],
        ['prod-") || true || ("-'],
        ["-"],
        ["p" * 62 + "-"],
    ],
)
def test_prefixes_that_would_widen_or_break_the_expression_are_refused(prefixes):
    with pytest.raises(ValueError, match="ending in '-'"):
        break_glass_prefix_condition(prefixes)


def test_the_org_stacks_grant_reaches_prods_off_site_bucket_and_nothing_else():
    org, prod = shipped_plan("org"), shipped_plan("prod")
    (binding,) = one(org, "gcp:privilegedaccessmanager/entitlement:entitlement")["inputs"]["privilegedAccess"][
        "gcpIamAccess"
    ]["roleBindings"]
    bucket = prod["outputs"]["gcp"]["buckets"]["prod"]
    assert allows(binding["conditionExpression"], f"projects/_/buckets/{bucket}", "storage.googleapis.com/Bucket")
    assert allows(
        binding["conditionExpression"], f"projects/_/buckets/{bucket}/objects/db.dump", "storage.googleapis.com/Object"
    )
    assert not allows(binding["conditionExpression"], f"projects/_/buckets/x{bucket}", "storage.googleapis.com/Bucket")
    assert not allows(
        binding["conditionExpression"],
        f"projects/{prod['outputs']['gcp']['project']}",
        "cloudresourcemanager.googleapis.com/Project",
        "cloudresourcemanager.googleapis.com",
    )
