"""The Google service agents the backup project's components grant roles to, as IAM allow-policy members.

Service agents are Google-managed service accounts outside the organization's directory, so the folder's domain
restriction refuses every grant to them unless it names them (documents/org_policies.py, `allowed_policy_members`).
Formats are those Google documents for each agent:
- Cloud Storage: service-PROJECT_NUMBER@gs-project-accounts.iam.gserviceaccount.com, which encrypts and decrypts with
  the bucket's CMEK key ("Get the email address of a project's Cloud Storage service agent",
  https://cloud.google.com/storage/docs/getting-service-agent);
- Storage Transfer Service: project-PROJECT_NUMBER@storage-transfer-service.iam.gserviceaccount.com, which writes into
  the sink bucket ("Configure access to a sink: Cloud Storage", https://cloud.google.com/storage-transfer/docs/sink-cloud-storage);
- Privileged Access Manager: the organization's agent service-org-ORGANIZATION_NUMBER@gcp-sa-pam.iam.gserviceaccount.com,
  which changes the IAM policy of the resource an entitlement is on, whatever its level, and needs
  roles/privilegedaccessmanager.serviceAgent there ("Privileged Access Manager permissions and setup",
  https://cloud.google.com/iam/docs/pam-permissions-and-setup).
"""

import re

PROJECT_NUMBER = re.compile(r"^[1-9][0-9]{5,19}$")
ORGANIZATION_ID = re.compile(r"^[1-9][0-9]{0,19}$")
# A Google-managed agent's member: a numbered local part, never a user, group, domain or wildcard.
SERVICE_AGENT = re.compile(
    r"^serviceAccount:(?:service-(?:org-|folder-)?[0-9]+|project-[0-9]+)@[a-z][a-z0-9-]*\.iam\.gserviceaccount\.com$"
)

PAM_SERVICE = "privilegedaccessmanager.googleapis.com"
PAM_AGENT_ROLE = "roles/privilegedaccessmanager.serviceAgent"


def storage_agent(project_number: str) -> str:
    """The project's Cloud Storage service agent, which uses the bucket's KMS key."""
    return f"serviceAccount:service-{_checked(PROJECT_NUMBER, project_number, 'project number')}@gs-project-accounts.iam.gserviceaccount.com"


def transfer_agent(project_number: str) -> str:
    """The project's Storage Transfer Service agent, which writes the copies into the sink bucket."""
    return f"serviceAccount:project-{_checked(PROJECT_NUMBER, project_number, 'project number')}@storage-transfer-service.iam.gserviceaccount.com"


def pam_agent(organization_id: str) -> str:
    """The organization's Privileged Access Manager service agent, which writes and removes every grant's bindings."""
    return f"serviceAccount:service-org-{_checked(ORGANIZATION_ID, organization_id, 'organization id')}@gcp-sa-pam.iam.gserviceaccount.com"


def pam_agent_parent(organization_id: str) -> str:
    """Where the Workload Identity API creates the organization's PAM agent (serviceProducers.generateServiceAgents,
    https://cloud.google.com/iam/docs/reference/workloadidentity/rest): roles can be granted only to an agent that exists
    ("Create and grant roles to service agents", https://cloud.google.com/iam/docs/create-service-agents)."""
    return f"organizations/{_checked(ORGANIZATION_ID, organization_id, 'organization id')}/locations/global/serviceProducers/{PAM_SERVICE}"


def _checked(pattern: re.Pattern, value: object, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{what} must be digits only (got {value!r})")
    return value
