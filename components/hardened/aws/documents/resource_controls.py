"""Resource control policies (RCPs): what the member accounts' own resources refuse, whoever asks.

An SCP caps what the organization's principals may do; an RCP caps what anyone, outsiders included, may do to the
organization's resources, whatever a bucket, key or trust policy grants. So a bucket policy or key policy that
some day grants an outsider, by mistake or by an intruder's hand, grants nothing. Each statement is a Deny with
`Principal: "*"`; RCPFullAWSAccess stays attached beside it. RCPs never apply to the management account, and
cover S3, STS, KMS, SQS and Secrets Manager among others, not AWS Backup (AWS Organizations User Guide, "Resource
control policies"). The statements follow aws-samples/data-perimeter-policy-examples
(resource_control_policies): an identity perimeter, a confused-deputy guard for AWS services, and TLS only, plus a
denial of SSE-C, the encryption an intruder holding the keys can use to ransom objects.

Submit `scp_content(document)` (guardrails.py): RCPs are stored and counted as submitted too, 5,120 characters.
"""

from collections.abc import Iterable

from .statements import policy_document, with_condition
from .transfer import GOOGLE_IDENTITY_PROVIDER

# Actions an outsider could use on our resources if a resource policy let them: everything on S3 and KMS, and the
# STS calls that act on our roles. AssumeRoleWithWebIdentity and AssumeRoleWithSAML stay out: federated identities
# (the Google transfer agent) carry no organization id, and their trust policies name them exactly.
OUTSIDER_ACTIONS = (
    "kms:*",
    "s3:*",
    "sts:AssumeRole",
    "sts:DecodeAuthorizationMessage",
    "sts:GetAccessKeyInfo",
    "sts:GetFederationToken",
    "sts:GetServiceBearerToken",
    "sts:GetSessionToken",
    "sts:SetContext",
)
# What an AWS service may do on our resources only when it acts for an account of the organization.
SERVICE_ACTIONS = ("kms:*", "s3:*", "sts:*")


def deny_access_outside_organization(organization_id: str) -> dict:
    """Nobody outside the organization reaches its buckets, keys or roles; AWS services acting as themselves aside."""
    return {
        "Sid": "DenyAccessOutsideOrganization",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(OUTSIDER_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": organization_id},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }


def deny_services_acting_for_others(organization_id: str) -> dict:
    """An AWS service reaches our buckets, keys or roles only on behalf of an account of the organization.

    `Null aws:SourceAccount false` limits this to requests a service makes for some account (the key is absent
    when it acts for itself), as in the data-perimeter examples.
    """
    return {
        "Sid": "DenyServicesActingForOthers",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(SERVICE_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:SourceOrgID": organization_id},
            "Null": {"aws:SourceAccount": "false"},
            "Bool": {"aws:PrincipalIsAWSService": "true"},
        },
    }


def deny_customer_provided_keys() -> dict:
    """Nobody writes an object encrypted with a key of their own (SSE-C): whoever holds that key holds the object."""
    return {
        "Sid": "DenyCustomerProvidedKeys",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": "*",
        "Condition": {"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}},
    }


def deny_insecure_transport() -> dict:
    """No request to a bucket, key or role over plain HTTP."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(SERVICE_ACTIONS),
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
    }


def data_perimeter(organization_id: str) -> dict:
    """The RCP of the organization root: every member account's buckets, keys and roles answer to the organization only."""
    return policy_document(
        deny_access_outside_organization(organization_id),
        deny_services_acting_for_others(organization_id),
        deny_customer_provided_keys(),
        deny_insecure_transport(),
    )


def deny_foreign_web_identities(google_subjects: Iterable[str]) -> dict:
    """Only the named Google identities (the backup project's transfer agent) assume a role here by web identity.

    Web identity is the one way in the data perimeter leaves open to principals outside the organization; a role
    that trusted another issuer, or another Google account, would be a door nobody sees. A token from any other
    issuer has no `accounts.google.com:sub`, and `IfExists` then denies it too. Without subjects, every web
    identity is refused.
    """
    statement = {
        "Sid": "DenyForeignWebIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Resource": "*",
    }
    subjects = sorted(set(google_subjects))
    return with_condition(
        statement, {"StringNotEqualsIfExists": {f"{GOOGLE_IDENTITY_PROVIDER}:sub": subjects}} if subjects else {}
    )


def web_identity_controls(google_subjects: Iterable[str]) -> dict:
    """An account's own RCP: its roles answer to no web identity but the named Google subjects' (the backup
    account's, to its transfer agent's; the log-archive account's, to none)."""
    return policy_document(deny_foreign_web_identities(google_subjects))
