"""LockedBucket: the exact inputs of the bucket, its key and the key grant, their options, outputs and bad arguments."""

import re

import pulumi
import pulumi_gcp as gcp
import pytest
from planning import by_name, one, plan_of, refusal, resources

from hardened.gcp.locked_bucket import LockedBucket

BACKUP_PROJECT = "acme-backups"
GCP_REGION = "europe-west3"
BUCKET = "gcp:storage/bucket:Bucket"
KEY = "gcp:kms/cryptoKey:CryptoKey"
KEY_RING = "gcp:kms/keyRing:KeyRing"
GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
DAY = 86400


def bucket_plan(**overrides) -> dict:
    args = {"location": "EU", "retention_days": 35, "primary_aws_region": "us-east-1"} | overrides

    def program():
        provider = gcp.Provider("backup-project", project=BACKUP_PROJECT, region=GCP_REGION)
        LockedBucket("offsite", args, opts=pulumi.ResourceOptions(provider=provider))

    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return bucket_plan(labels={"purpose": "offsite-backups"})


def test_bucket_is_retention_locked_closed_and_encrypted_by_its_own_key(plan):
    bucket = one(plan, BUCKET)
    assert bucket["name"] == "offsite-bucket"
    assert bucket["inputs"] == {
        "encryption": {"defaultKmsKeyName": one(plan, KEY)["id"]},
        "forceDestroy": False,
        "labels": {"purpose": "offsite-backups"},
        "location": "EU",
        "publicAccessPrevention": "enforced",
        "retentionPolicy": {"isLocked": False, "retentionPeriod": str(35 * DAY)},
        "softDeletePolicy": {"retentionDurationSeconds": 7 * DAY},
        "uniformBucketLevelAccess": True,
        # Cloud Storage refuses Object Versioning on a bucket with a retention policy.
        "versioning": {"enabled": False},
    }


def test_key_lives_in_the_buckets_location_and_rotates_every_ninety_days(plan):
    key_ring = one(plan, KEY_RING)
    key = one(plan, KEY)
    assert key_ring["name"] == "offsite-keyring" and key["name"] == "offsite-key"
    assert key_ring["inputs"] == {"location": "europe"}
    assert key["inputs"] == {
        "keyRing": key_ring["id"],
        "labels": {"purpose": "offsite-backups"},
        "purpose": "ENCRYPT_DECRYPT",
        "rotationPeriod": f"{90 * DAY}s",
    }
    assert key["id"].startswith(f"projects/{BACKUP_PROJECT}/locations/europe/keyRings/")


def test_only_the_projects_storage_agent_may_use_the_key_and_before_the_bucket_exists(plan):
    grant = one(plan, GRANT)
    assert grant["inputs"]["cryptoKeyId"] == one(plan, KEY)["id"]
    assert grant["inputs"]["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert re.fullmatch(
        r"serviceAccount:service-\d+@gs-project-accounts\.iam\.gserviceaccount\.com", grant["inputs"]["member"]
    )
    assert set(grant["inputs"]) == {"cryptoKeyId", "member", "role"}
    assert grant["urn"] in one(plan, BUCKET)["depends_on"]


def test_pulumi_can_delete_nothing_and_everything_lands_in_the_backup_project(plan):
    component = one(plan, "hardened:index:LockedBucket")
    children = [
        r
        for r in resources(plan)
        if r["type"].startswith("gcp:") and r["custom"] and r["type"] != "pulumi:providers:gcp"
    ]
    assert sorted(r["name"] for r in children) == [
        "offsite-bucket",
        "offsite-key",
        "offsite-key-user",
        "offsite-keyring",
    ]
    for resource in children:
        assert resource["protect"] and resource["retain_on_delete"], resource["name"]
        assert resource["parent"] == component["urn"]
        assert resource["lands_in"] == {"cloud": "gcp", "project": BACKUP_PROJECT, "region": GCP_REGION}
        assert resource["provider"] == by_name(plan, "backup-project")["urn"]


def test_outputs_name_the_bucket_and_its_key(plan):
    bucket = one(plan, BUCKET)
    assert one(plan, "hardened:index:LockedBucket")["outputs"] == {
        "bucketName": bucket["outputs"]["name"],
        "bucketUrl": f"gs://{bucket['outputs']['name']}",
        "keyId": one(plan, KEY)["id"],
    }


def test_production_locks_the_retention_policy_for_good():
    plan = bucket_plan(
        location="europe-west3",
        retention_days=2555,
        lock_retention=True,
        soft_delete_days=90,
        key_rotation_days=30,
        bucket_name="acme-offsite-backups",
    )
    bucket = one(plan, BUCKET)
    assert bucket["inputs"]["name"] == "acme-offsite-backups"
    assert bucket["inputs"]["location"] == "EUROPE-WEST3"
    assert bucket["inputs"]["retentionPolicy"] == {"isLocked": True, "retentionPeriod": "220752000"}
    assert bucket["inputs"]["softDeletePolicy"] == {"retentionDurationSeconds": 7776000}
    assert one(plan, KEY_RING)["inputs"] == {"location": "europe-west3"}
    assert one(plan, KEY)["inputs"]["rotationPeriod"] == "2592000s"
    assert one(plan, "hardened:index:LockedBucket")["outputs"]["bucketName"] == "acme-offsite-backups"


@pytest.mark.parametrize(
    ("location", "bucket_location", "kms_location"),
    [
        ("us", "US", "us"),
        ("ASIA", "ASIA", "asia"),
        ("eur4", "EUR4", "eur4"),
        ("NAM4", "NAM4", "nam4"),
        ("asia-northeast1", "ASIA-NORTHEAST1", "asia-northeast1"),
    ],
)
def test_key_ring_follows_the_bucket_location(location, bucket_location, kms_location):
    plan = bucket_plan(location=location, primary_aws_region="sa-east-1")
    assert one(plan, BUCKET)["inputs"]["location"] == bucket_location
    assert one(plan, KEY_RING)["inputs"] == {"location": kms_location}


def test_without_a_primary_region_any_location_is_accepted():
    plan = bucket_plan(location="europe-west1", primary_aws_region=None)
    assert one(plan, BUCKET)["inputs"]["location"] == "EUROPE-WEST1"


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"location": "mars-west1"}, "location", "'mars-west1' is not a known Cloud Storage location"),
        ({"location": "us-east-1"}, "location", "EU, US, ASIA, EUR4"),
        ({"location": None}, "location", "must be a Cloud Storage location"),
        (
            {"location": "europe-west3", "primary_aws_region": "eu-west-1"},
            "location",
            "another geography than primary_aws_region 'eu-west-1' (europe), so one regional disaster cannot take both "
            "copies; 'europe-west3' lies in europe",
        ),
        ({"location": "EU", "primary_aws_region": "eu-central-1"}, "location", "'EU' lies in europe"),
        ({"location": "NAM4", "primary_aws_region": "us-east-1"}, "location", "(north-america)"),
        (
            {"location": "australia-southeast1", "primary_aws_region": "ap-southeast-2"},
            "location",
            "'australia-southeast1' lies in asia-pacific",
        ),
        ({"primary_aws_region": "europe-west3"}, "primary_aws_region", "'europe-west3' is not a known AWS region"),
        ({"retention_days": 0}, "retention_days", "from 1 to 36500 (got 0)"),
        ({"retention_days": 36501}, "retention_days", "from 1 to 36500"),
        ({"retention_days": True}, "retention_days", "whole number"),
        ({"retention_days": "35"}, "retention_days", "whole number"),
        ({"lock_retention": "yes"}, "lock_retention", "takes true or false, not str (got 'yes')"),
        ({"soft_delete_days": 6}, "soft_delete_days", "from 7 to 90 (got 6)"),
        ({"soft_delete_days": 91}, "soft_delete_days", "from 7 to 90"),
        ({"key_rotation_days": 0}, "key_rotation_days", "from 1 to 365 (got 0)"),
        ({"key_rotation_days": 366}, "key_rotation_days", "from 1 to 365"),
        ({"bucket_name": "Offsite"}, "bucket_name", "lower-case"),
        ({"bucket_name": "acme.offsite"}, "bucket_name", "(got 'acme.offsite')"),
        ({"bucket_name": "acme-google-backups"}, "bucket_name", "contain 'google'"),
        ({"bucket_name": "goog-backups"}, "bucket_name", "start with 'goog'"),
        ({"bucket_name": "ab"}, "bucket_name", "3 to 63"),
        ({"labels": {"Purpose": "backups"}}, "labels", "(got 'Purpose': 'backups')"),
        ({"labels": {"purpose": "Backups"}}, "labels", "lower-case"),
        ({"labels": {"1purpose": "backups"}}, "labels", "starting with a letter"),
        ({"labels": ["purpose"]}, "labels", "mapping"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    args = {"location": "EU", "retention_days": 35, "primary_aws_region": "us-east-1"} | overrides
    message, declared = refusal(lambda: LockedBucket("offsite", args))
    assert message.startswith(f"LockedBucket 'offsite': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]
