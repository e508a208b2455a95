"""AWS components of hardened-accounts."""

from .immutable_bucket import ImmutableBucket, ImmutableBucketArgs, RetentionMode

__all__ = ["ImmutableBucket", "ImmutableBucketArgs", "RetentionMode"]
