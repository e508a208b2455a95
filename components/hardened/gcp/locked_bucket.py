"""LockedBucket: the Cloud Storage bucket that holds the off-site (second vendor) copy of the backups.

A bucket retention policy (Bucket Lock) keeps every object from being deleted or replaced before it
is `retention_days` old, and `lock_retention` locks that policy for good: nobody, not even the
project owner, can then shorten or remove it. Soft delete keeps deleted objects recoverable for a
while longer; a dedicated, rotating Cloud KMS key encrypts everything; the bucket is closed to the
public and to ACLs. It can sit in another geography than the AWS region it backs up, and refuses
otherwise when told which region that is. Pulumi can neither delete nor replace it.
"""

import re
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from ..arguments import Arguments
from ..aws.retention import MAX_RETENTION_DAYS, whole_number
from ..documented import documented
from .locations import geography_of_aws_region, geography_of_gcs_location, kms_location_of_gcs

DAY_SECONDS = 86400
MIN_SOFT_DELETE_DAYS, MAX_SOFT_DELETE_DAYS = 7, 90  # Cloud Storage's bounds when soft delete is on
MAX_KEY_ROTATION_DAYS = 365  # KMS allows longer; a backup key should still turn over at least yearly
# No dots: dotted names need domain verification. Names may not start with "goog" nor contain "google".
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]")
LABEL_KEY = re.compile(r"[^\W\d_][\w-]{0,62}")
LABEL_VALUE = re.compile(r"[\w-]{0,63}")
MAX_LABELS = 64


class LockedBucketArgs(TypedDict):
    """Arguments of LockedBucket."""

    location: str
    """Cloud Storage location: a region (europe-west3), dual-region (EUR4) or multi-region (EU)."""
    retention_days: int
    """Days every object is kept from deletion and replacement, from 1 to 36500."""
    lock_retention: NotRequired[bool | None]
    """Lock the retention policy for good (production); it can then only grow. Default False."""
    primary_aws_region: NotRequired[str | None]
    """AWS region of the primary copy; the bucket must then lie in another geography."""
    soft_delete_days: NotRequired[int | None]
    """Days a deleted object stays recoverable, from 7 (the default) to 90."""
    key_rotation_days: NotRequired[int | None]
    """Days between automatic rotations of the bucket's KMS key, from 1 to 365 (default 90)."""
    bucket_name: NotRequired[str | None]
    """Fixed bucket name; when omitted, Pulumi derives one from the component name plus a random suffix."""
    labels: NotRequired[dict[str, str] | None]
    """Labels for the bucket and its key."""


@documented
class LockedBucket(pulumi.ComponentResource):
    """A Cloud Storage bucket with a (lockable) retention policy, soft delete and its own rotating KMS key."""

    bucket_name: pulumi.Output[str]
    """The bucket's name."""
    bucket_url: pulumi.Output[str]
    """The bucket's gs:// URL."""
    key_id: pulumi.Output[str]
    """Resource id of the KMS key that encrypts the bucket (projects/.../cryptoKeys/...)."""

    def __init__(self, name: str, args: LockedBucketArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("LockedBucket", name, args, LockedBucketArgs)
        args = checked.args
        # Validate everything before registering anything, so bad input leaves nothing half-declared.
        location, days, lock, soft_delete_days, rotation_days = _validated(checked)
        labels = checked_labels(checked)

        super().__init__("hardened:index:LockedBucket", name, None, opts)

        # Nothing here may be deleted or replaced by Pulumi: each child holds data or guards it. Each waits for what
        # `opts.depends_on` names (the project's KMS and Storage APIs): children do not inherit it.
        after = opts.depends_on if opts else None
        guarded = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True, depends_on=after)
        # KMS allows a bucket only keys in its own location (the multi-regions are spelt europe, us, asia there).
        key_ring = gcp.kms.KeyRing(f"{name}-keyring", location=kms_location_of_gcs(location), opts=guarded)
        # Destroying a CryptoKey through the provider destroys all its versions, and with them every object
        # it encrypted: the key must outlive any change to this program.
        key = gcp.kms.CryptoKey(
            f"{name}-key",
            key_ring=key_ring.id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period=f"{rotation_days * DAY_SECONDS}s",
            labels=labels,
            opts=guarded,
        )
        # Cloud Storage encrypts and decrypts as the project's service agent, which the data source also creates.
        agent = gcp.storage.get_project_service_account_output(
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=after)
        )
        grant = gcp.kms.CryptoKeyIAMMember(
            f"{name}-key-user",
            crypto_key_id=key.id,
            role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
            member=agent.email_address.apply(lambda email: f"serviceAccount:{email}"),
            opts=guarded,
        )
        bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=args.get("bucket_name"),
            location=location.upper(),
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=False,
            # Cloud Storage refuses Object Versioning next to a retention policy; the policy already keeps
            # objects from being replaced, and soft delete keeps deleted ones.
            versioning={"enabled": False},
            retention_policy={"retention_period": str(days * DAY_SECONDS), "is_locked": lock},
            soft_delete_policy={"retention_duration_seconds": soft_delete_days * DAY_SECONDS},
            encryption={"default_kms_key_name": key.id},
            labels=labels,
            # The grant first: the bucket's first write already needs the key.
            opts=pulumi.ResourceOptions.merge(guarded, pulumi.ResourceOptions(depends_on=[grant])),
        )

        self.bucket_name = bucket.name
        self.bucket_url = bucket.url
        self.key_id = key.id
        self.register_outputs({"bucketName": self.bucket_name, "bucketUrl": self.bucket_url, "keyId": self.key_id})


def checked_labels(checked: Arguments[Any]) -> dict[str, str]:
    """The `labels` given (empty when absent), or a refusal naming the first one GCP would refuse."""
    labels = checked.args.get("labels") or {}
    if not isinstance(labels, dict) or len(labels) > MAX_LABELS:
        checked.refuse("labels", f"takes a mapping of at most {MAX_LABELS} labels (got {labels!r})")
    for key, value in labels.items():
        key_ok = isinstance(key, str) and LABEL_KEY.fullmatch(key) and key == key.lower()
        value_ok = isinstance(value, str) and LABEL_VALUE.fullmatch(value) and value == value.lower()
        if not (key_ok and value_ok):
            checked.refuse(
                "labels",
                "takes keys of 1 to 63 lower-case letters, digits, '_' or '-' starting with a letter, and values of up to "
                f"63 of the same characters (got {key!r}: {value!r})",
            )
    return dict(labels)


def _validated(checked: Arguments[LockedBucketArgs]) -> tuple[str, int, bool, int, int]:
    args = checked.args
    location = args.get("location")
    try:
        geography = geography_of_gcs_location(location)
    except ValueError as error:
        checked.refuse("location", f"must be a Cloud Storage location: {error}")
    primary = args.get("primary_aws_region")
    if primary is not None:
        try:
            primary_geography = geography_of_aws_region(primary)
        except ValueError as error:
            checked.refuse("primary_aws_region", f"must be an AWS region: {error}")
        if primary_geography == geography:
            checked.refuse(
                "location",
                f"must lie in another geography than primary_aws_region {primary!r} ({primary_geography}), "
                f"so one regional disaster cannot take both copies; {location!r} lies in {geography}",
            )
    days = args.get("retention_days")
    if not whole_number(days, 1, MAX_RETENTION_DAYS):
        checked.refuse(
            "retention_days", f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {days!r})"
        )
    lock = args.get("lock_retention")
    if lock is not None and not isinstance(lock, bool):
        checked.refuse("lock_retention", f"must be True or False (got {lock!r})")
    soft_delete_days = args.get("soft_delete_days")
    soft_delete_days = MIN_SOFT_DELETE_DAYS if soft_delete_days is None else soft_delete_days
    if not whole_number(soft_delete_days, MIN_SOFT_DELETE_DAYS, MAX_SOFT_DELETE_DAYS):
        checked.refuse(
            "soft_delete_days",
            f"must be a whole number of days from {MIN_SOFT_DELETE_DAYS} to {MAX_SOFT_DELETE_DAYS} (got {soft_delete_days!r})",
        )
    rotation_days = args.get("key_rotation_days")
    rotation_days = 90 if rotation_days is None else rotation_days
    if not whole_number(rotation_days, 1, MAX_KEY_ROTATION_DAYS):
        checked.refuse(
            "key_rotation_days",
            f"must be a whole number of days from 1 to {MAX_KEY_ROTATION_DAYS} (got {rotation_days!r})",
        )
    bucket_name = args.get("bucket_name")
    if bucket_name is not None and not (
        isinstance(bucket_name, str)
        and BUCKET_NAME.fullmatch(bucket_name)
        and not bucket_name.startswith("goog")
        and "google" not in bucket_name
    ):
        checked.refuse(
            "bucket_name",
            "must be 3 to 63 lower-case letters, digits, '-' or '_', start and end with a letter or digit, "
            f"and neither start with 'goog' nor contain 'google' (got {bucket_name!r})",
        )
    return location, days, bool(lock), soft_delete_days, rotation_days
