"""Identifiers and limits the clouds impose, written once: the components (`aws/arns.py`, `aws/retention.py`) and the
stack schema (`stacks/stack_config.py`) both read them from here.

Patterns are strings so that Python's `re` (compiled with re.ASCII where they are used) and pydantic's `pattern`
read the same text.
"""

import pulumi_aws

AWS_REGIONS: tuple[str, ...] = tuple(sorted(region.value for region in pulumi_aws.Region))
"""The regions the AWS provider knows (its Region enum), not a list typed here."""

ACCOUNT_ID = r"^\d{12}$"
"""A 12-digit AWS account id."""

ORGANIZATION_ID = r"^o-[a-z0-9]{10,32}$"
"""An AWS Organizations id (o-...)."""

ROLE_ARN = r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+$"
"""An exact IAM role ARN in any partition (aws, aws-us-gov, aws-cn), path allowed, no wildcard."""

GCP_ID = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
"""The shape of a GCP project id and of a service account's id, unanchored: 6 to 30 characters."""

GCP_PROJECT_ID = rf"^{GCP_ID}$"
"""A GCP project id: 6 to 30 lowercase letters, digits and hyphens, from a letter, not ending in a hyphen."""

GCP_FOLDER = r"^folders/[1-9][0-9]{0,19}$"
"""A GCP folder by its resource name, folders/<number>."""

SERVICE_ACCOUNT_EMAIL = rf"^{GCP_ID}@{GCP_ID}\.iam\.gserviceaccount\.com$"
"""A user-managed GCP service account, <account id>@<project id>.iam.gserviceaccount.com."""

MAX_RETENTION_DAYS = 36500
"""The ceiling of S3 Object Lock and AWS Backup Vault Lock retention, and the library's for GCS buckets (100 years)."""
