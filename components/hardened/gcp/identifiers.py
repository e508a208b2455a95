"""What a GCP identifier argument must be once its Output resolves (plain values are each component's own check).

By argument name, as `hardened.arguments.Arguments` applies them to the GCP components; an AWS ARN argument
(`source_bucket_arn`) keeps the AWS check.
"""

import re
from collections.abc import Callable

from ..aws.arns import resolved_value_problem as aws_problem
from ..constraints import GCP_FOLDER, GCP_PROJECT_ID
from .documents.service_agents import ORGANIZATION_ID, PROJECT_NUMBER, SERVICE_AGENT

PROJECT_ID = re.compile(GCP_PROJECT_ID)
FOLDER_ID = re.compile(GCP_FOLDER)

CHECKS = {
    "project_id": (PROJECT_ID, "is not a GCP project id (6 to 30 lowercase letters, digits, hyphens)"),
    "folder_id": (FOLDER_ID, "is not a folder such as folders/123456789"),
    "project_number": (PROJECT_NUMBER, "is not a GCP project number (digits only)"),
    "organization_id": (ORGANIZATION_ID, "is not a GCP organization id (digits only)"),
    "members": (
        SERVICE_AGENT,
        "is not a Google service agent such as serviceAccount:service-123@gs-project-accounts.iam.gserviceaccount.com",
    ),
}


def resolved_value_problem(argument: str) -> Callable[[object], str | None] | None:
    """The check for a GCP component's argument named `argument` once its Output resolves, or None."""
    if argument in CHECKS:
        pattern, problem = CHECKS[argument]
        return lambda value: None if isinstance(value, str) and pattern.fullmatch(value) else problem
    return aws_problem(argument) if argument.endswith(("_arn", "_arns")) else None
