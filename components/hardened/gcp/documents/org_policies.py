"""Organization policy specs for a folder of backups: one pure function per constraint, the `spec` of `gcp.orgpolicy.Policy`.

Boolean constraints take one rule `{"enforce": "TRUE"}`. List constraints take one rule of allowed values and
`inherit_from_parent: False`, so the folder's list is exactly what is allowed under it, not merged with (and
widened by) its parents' lists. Constraint semantics are those of "Organization policy constraints"
(https://cloud.google.com/resource-manager/docs/organization-policy/org-policy-constraints) and, for
Cloud Storage, https://cloud.google.com/storage/docs/org-policy-constraints.
"""

import json
import re
from collections.abc import Iterable

from .service_agents import ORGANIZATION_ID, SERVICE_AGENT

SECONDS_PER_DAY = 86400
MAX_RETENTION_SECONDS = 3_155_760_000  # Cloud Storage's longest retention period: 100 years
# A value group (in:us-locations, in:europe-west3-locations) or one location (europe-west3, us).
LOCATION = re.compile(r"^(in:[a-z][a-z0-9-]*-locations|[a-z][a-z0-9-]*[a-z0-9])$")
# A Google Workspace or Cloud Identity customer id, as `gcloud organizations list` shows it.
CUSTOMER_ID = re.compile(r"^C0[0-9a-z]{5,}$")
MEMBER_DOMAINS = "iam.allowedPolicyMemberDomains"
POLICY_MEMBERS = "iam.managed.allowedPolicyMembers"


def no_service_account_keys() -> dict:
    """iam.disableServiceAccountKeyCreation: nobody creates long-lived service account keys."""
    return _enforced()


def no_public_buckets() -> dict:
    """storage.publicAccessPrevention: no bucket or object is ever served to allUsers or allAuthenticatedUsers."""
    return _enforced()


def uniform_bucket_access() -> dict:
    """storage.uniformBucketLevelAccess: buckets use IAM only, so object ACLs cannot open single backups."""
    return _enforced()


def retention_periods(retention_days: Iterable[int]) -> dict:
    """storage.retentionPolicySeconds: every bucket's retention policy is one of these durations.

    Values are positive whole numbers of seconds, written as strings; the constraint applies when a bucket is
    created or its retention period changes, never retroactively.
    """
    seconds = []
    for days in retention_days:
        if not _whole(days) or not 0 < days * SECONDS_PER_DAY <= MAX_RETENTION_SECONDS:
            raise ValueError(f"retention must be whole days from 1 to 36525 (got {days!r})")
        seconds.append(days * SECONDS_PER_DAY)
    return _allowed([str(s) for s in sorted(set(seconds))], "retention days")


def resource_locations(locations: Iterable[str]) -> dict:
    """gcp.resourceLocations: location-based resources are created only in these locations or value groups."""
    locations = list(locations)
    refused = [loc for loc in locations if not isinstance(loc, str) or not LOCATION.fullmatch(loc)]
    if refused:
        raise ValueError(
            f"locations must be value groups like in:us-locations or locations like europe-west3 (got {refused!r})"
        )
    return _allowed(sorted(set(locations)), "locations")


def member_domains(customer_ids: Iterable[str]) -> dict:
    """iam.allowedPolicyMemberDomains: IAM policies grant roles only to identities of these customers."""
    customer_ids = list(customer_ids)
    refused = [c for c in customer_ids if not isinstance(c, str) or not CUSTOMER_ID.fullmatch(c)]
    if refused:
        raise ValueError(f"customer ids must look like C0xxxxxxx (got {refused!r})")
    return _allowed(sorted(set(customer_ids)), "customer ids")


def allowed_policy_members(organization_id: str, service_agents: Iterable[str]) -> dict:
    """iam.managed.allowedPolicyMembers: IAM policies grant roles only to the organization's principals and to exactly
    these Google service agents (documents/service_agents.py), which are outside any customer's directory.

    The legacy iam.allowedPolicyMemberDomains cannot name a single principal, so a service agent can only be granted a
    role where it is lifted; the managed constraint lists principals and principal sets, and the organization's
    principal set keeps every identity of the organization allowed ("Methods for restricting sharing by domain",
    https://cloud.google.com/resource-manager/docs/organization-policy/domain-restricted-sharing; "Restrict identities
    with domain-restricted sharing", https://cloud.google.com/organization-policy/restrict-domains). A managed
    constraint takes `enforce` and its parameters as JSON, never allowed values.
    """
    if not isinstance(organization_id, str) or not ORGANIZATION_ID.fullmatch(organization_id):
        raise ValueError(f"the organization id must be digits only (got {organization_id!r})")
    agents = list(service_agents)
    refused = [a for a in agents if not isinstance(a, str) or not SERVICE_AGENT.fullmatch(a)]
    if refused or not agents:
        raise ValueError(
            f"service agents must be one or more serviceAccount:EMAIL of Google-managed agents, never a user, group or domain (got {refused or agents!r})"
        )
    parameters = {
        "allowedMemberSubjects": sorted(set(agents)),
        "allowedPrincipalSets": [f"//cloudresourcemanager.googleapis.com/organizations/{organization_id}"],
    }
    return {"rules": [{"enforce": "TRUE", "parameters": json.dumps(parameters, sort_keys=True)}]}


def member_domains_lifted() -> dict:
    """iam.allowedPolicyMemberDomains overridden to allow all, on the one project whose grants to service agents must
    pass: the restriction there is `allowed_policy_members`, inherited from the folder and never lifted with it
    (exceptions per project: "Restricting identities by domain",
    https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains)."""
    return {"rules": [{"allow_all": "TRUE"}]}


def folder_policy_specs(
    retention_days: Iterable[int], locations: Iterable[str], customer_ids: Iterable[str]
) -> dict[str, dict]:
    """Every constraint the folder gets, with its spec, in the order they are declared."""
    return {
        "iam.disableServiceAccountKeyCreation": no_service_account_keys(),
        "storage.publicAccessPrevention": no_public_buckets(),
        "storage.uniformBucketLevelAccess": uniform_bucket_access(),
        "storage.retentionPolicySeconds": retention_periods(retention_days),
        "gcp.resourceLocations": resource_locations(locations),
        MEMBER_DOMAINS: member_domains(customer_ids),
    }


def _enforced() -> dict:
    return {"rules": [{"enforce": "TRUE"}]}


def _allowed(values: list[str], what: str) -> dict:
    if not values:
        raise ValueError(f"at least one of the {what} must be given")
    return {"inherit_from_parent": False, "rules": [{"values": {"allowed_values": values}}]}


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
