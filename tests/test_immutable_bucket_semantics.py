"""What the ImmutableBucket's bucket and key policies allow and deny, judged by the independent evaluator.

The policies are taken from the plan of a real ImmutableBucket, not rebuilt here. Every principal
holds an identity policy allowing everything, so the verdicts are the bucket's and key's own doing.
"""

import pytest
from iam_evaluator import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate
from planning import ACCOUNT, BREAK_GLASS, DEPLOYER, REGION, account_provider, in_account, one, plan_of

from hardened.aws import ImmutableBucket
from hardened.aws.documents.bucket_policy import PROTECTION_CHANGES, RETENTION_BYPASS

ORG = "o-a1b2c3d4e5"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/AdministratorAccess"
OUTSIDER = "arn:aws:iam::999988887777:role/AdministratorAccess"
SECURE = {
    "aws:SecureTransport": "true",
    "s3:TlsVersion": "1.3",
    "aws:PrincipalOrgID": ORG,
    "aws:PrincipalIsAWSService": "false",
}


@pytest.fixture(scope="module")
def plan() -> dict:
    def program():
        ImmutableBucket(
            "backups",
            {
                "retention_days": 365,
                "administrator_arns": [DEPLOYER],
                "break_glass_arns": [BREAK_GLASS],
                "organization_id": ORG,
            },
            opts=in_account(account_provider()),
        )

    return plan_of(program)


def s3_request(plan: dict, principal: str, action: str, on_object: bool, **context) -> Request:
    arn = one(plan, "aws:s3/bucket:Bucket")["outputs"]["arn"]
    return Request(
        principal=principal,
        action=action,
        resource=f"{arn}/backup.tar" if on_object else arn,
        resource_account=ACCOUNT,
        context={**SECURE, "aws:PrincipalArn": principal, **context},
        resource_policy=one(plan, "aws:s3/bucketPolicy:BucketPolicy")["inputs"]["policy"],
    )


def kms_request(plan: dict, principal: str, action: str, **context) -> Request:
    key = one(plan, "aws:kms/key:Key")
    return Request(
        principal=principal,
        action=action,
        resource=key["outputs"]["arn"],
        resource_account=ACCOUNT,
        context={"aws:PrincipalArn": principal, "kms:CallerAccount": ACCOUNT, **context},
        resource_policy=key["inputs"]["policy"],
    )


TAMPERING = [(a, False) for a in PROTECTION_CHANGES] + [(a, True) for a in RETENTION_BYPASS]


def test_no_administrator_but_break_glass_can_weaken_the_bucket(plan):
    cases = [(who, action, obj) for who in (DEPLOYER, ADMIN, BREAK_GLASS) for action, obj in TAMPERING]
    verdicts = evaluate([s3_request(plan, who, action, obj) for who, action, obj in cases])
    matrix = {(who, action): verdict for (who, action, _), verdict in zip(cases, verdicts, strict=True)}
    _print_matrix("bucket tampering", matrix)
    for (who, action), verdict in matrix.items():
        expected = ALLOWED if who == BREAK_GLASS else EXPLICIT_DENY
        assert verdict == expected, f"{who} {action}"


def test_everyday_reads_and_writes_by_the_organization_are_allowed(plan):
    actions = [("s3:PutObject", True), ("s3:GetObject", True), ("s3:GetObjectVersion", True), ("s3:ListBucket", False)]
    verdicts = evaluate([s3_request(plan, ADMIN, action, obj) for action, obj in actions])
    assert verdicts == [ALLOWED] * len(actions)


@pytest.mark.parametrize(
    ("principal", "context"),
    [
        (ADMIN, {"aws:SecureTransport": "false"}),
        (ADMIN, {"s3:TlsVersion": "1.1"}),
        (BREAK_GLASS, {"aws:SecureTransport": "false"}),
        (BREAK_GLASS, {"s3:TlsVersion": "1.0"}),
        (OUTSIDER, {"aws:PrincipalOrgID": "o-zz99zz99zz"}),
    ],
    ids=["plain-http", "tls-1.1", "break-glass-plain-http", "break-glass-tls-1.0", "outside-organization"],
)
def test_insecure_or_foreign_requests_are_explicitly_denied(plan, principal, context):
    verdicts = evaluate([s3_request(plan, principal, "s3:GetObject", True, **context)])
    assert verdicts == [EXPLICIT_DENY]


def test_nobody_can_disable_or_delete_the_key_and_only_break_glass_re_policies_it(plan):
    destructive = [
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:DeleteImportedKeyMaterial",
    ]
    cases = [(who, action) for who in (DEPLOYER, ADMIN, BREAK_GLASS) for action in destructive]
    verdicts = evaluate([kms_request(plan, who, action) for who, action in cases])
    _print_matrix("key destruction", dict(zip(cases, verdicts, strict=True)))
    assert verdicts == [EXPLICIT_DENY] * len(cases)
    # The key policy alone (no SCP here): the deployment role and an admin of the account cannot replace it.
    repolicy = evaluate([kms_request(plan, who, "kms:PutKeyPolicy") for who in (DEPLOYER, ADMIN, BREAK_GLASS)])
    assert repolicy == [IMPLICIT_DENY, IMPLICIT_DENY, ALLOWED]
    administration = evaluate([kms_request(plan, who, "kms:TagResource") for who in (DEPLOYER, ADMIN, BREAK_GLASS)])
    assert administration == [ALLOWED, IMPLICIT_DENY, ALLOWED]


def test_the_key_decrypts_only_through_s3_in_its_region(plan):
    verdicts = evaluate(
        [
            kms_request(plan, ADMIN, "kms:Decrypt", **{"kms:ViaService": f"s3.{REGION}.amazonaws.com"}),
            kms_request(plan, ADMIN, "kms:Decrypt"),
            kms_request(plan, ADMIN, "kms:Decrypt", **{"kms:ViaService": "s3.us-east-1.amazonaws.com"}),
            kms_request(plan, ADMIN, "kms:Decrypt", **{"kms:ViaService": f"ec2.{REGION}.amazonaws.com"}),
        ]
    )
    assert verdicts == [ALLOWED, IMPLICIT_DENY, IMPLICIT_DENY, IMPLICIT_DENY]


def _print_matrix(title: str, matrix: dict) -> None:
    width = max(len(action) for _, action in matrix)
    print(f"\n{title}:")
    for (who, action), verdict in matrix.items():
        print(f"  {who.rsplit('/', 1)[-1]:<22} {action:<{width}} {verdict}")
