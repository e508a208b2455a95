"""AlertTopic: the key, the encrypted topic, who may publish, and who is told, exactly; and its bad arguments."""

import pytest
from planning import (
    ACCOUNT,
    BREAK_GLASS,
    DEPLOYER,
    REGION,
    account_provider,
    in_account,
    one,
    plan_of,
    refusal,
    resources,
)

from hardened.aws import AlertTopic

TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:alarms"
SUBSCRIBERS = [
    {"protocol": "email", "endpoint": "security@acme.example"},
    {"protocol": "https", "endpoint": "https://hooks.acme.example/alarms"},
]


@pytest.fixture(scope="module")
def plan() -> dict:
    args = {"administrator_arns": [DEPLOYER], "subscribers": SUBSCRIBERS}
    return plan_of(lambda: AlertTopic("alarms", args, opts=in_account(account_provider())))


def test_the_key_rotates_waits_thirty_days_to_go_and_is_protected(plan):
    key = one(plan, "aws:kms/key:Key")
    assert {k: v for k, v in key["inputs"].items() if k != "policy"} == {
        "bypassPolicyLockoutSafetyCheck": True,
        "deletionWindowInDays": 30,
        "description": "Encrypts the alarms published to alarms",
        "enableKeyRotation": True,
        "tags": {"hardened-accounts:protects": "alarms"},
    }
    assert key["protect"] and key["retain_on_delete"]
    assert one(plan, "aws:kms/alias:Alias")["inputs"] == {"name": "alias/alarms", "targetKeyId": key["id"]}


def test_the_key_is_used_through_sns_here_and_by_the_alarm_services(plan):
    assert one(plan, "aws:kms/key:Key")["inputs"]["policy"]["Statement"] == [
        {
            "Sid": "AllowKeyAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": [DEPLOYER]},
            "Action": [
                "kms:CancelKeyDeletion",
                "kms:CreateAlias",
                "kms:DeleteAlias",
                "kms:DescribeKey",
                "kms:EnableKey",
                "kms:EnableKeyRotation",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListResourceTags",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateAlias",
                "kms:UpdateKeyDescription",
            ],
            "Resource": "*",
        },
        {
            "Sid": "AllowUseThroughService",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"sns.{REGION}.amazonaws.com"}
            },
        },
        {
            "Sid": "AllowAlarmEncryption",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        },
        {
            "Sid": "DenyKeyDestruction",
            "Effect": "Deny",
            "Principal": "*",
            "Action": [
                "kms:DeleteImportedKeyMaterial",
                "kms:DisableKey",
                "kms:DisableKeyRotation",
                "kms:ScheduleKeyDeletion",
            ],
            "Resource": "*",
        },
    ]


def test_without_break_glass_nobody_may_ever_re_policy_the_key_and_with_it_only_break_glass(plan):
    statements = one(plan, "aws:kms/key:Key")["inputs"]["policy"]["Statement"]
    assert [s for s in statements if "kms:PutKeyPolicy" in s["Action"]] == []
    args = {"administrator_arns": [DEPLOYER], "subscribers": SUBSCRIBERS, "break_glass_arns": [BREAK_GLASS]}
    sealed = plan_of(lambda: AlertTopic("alarms", args, opts=in_account(account_provider())))
    statements = one(sealed, "aws:kms/key:Key")["inputs"]["policy"]["Statement"]
    assert [s for s in statements if "kms:PutKeyPolicy" in s["Action"]] == [
        {
            "Sid": "AllowKeyPolicyChangesByBreakGlass",
            "Effect": "Allow",
            "Principal": {"AWS": [BREAK_GLASS]},
            "Action": ["kms:PutKeyPolicy"],
            "Resource": "*",
        }
    ]


def test_the_topic_is_encrypted_with_its_own_key(plan):
    topic = one(plan, "aws:sns/topic:Topic")
    assert topic["inputs"] == {
        "kmsMasterKeyId": one(plan, "aws:kms/key:Key")["outputs"]["arn"],
        "name": "alarms",
        "tags": {},
    }
    assert topic["outputs"]["arn"] == TOPIC_ARN
    assert one(plan, "hardened:index:AlertTopic")["outputs"] == {
        "keyArn": one(plan, "aws:kms/key:Key")["outputs"]["arn"],
        "topicArn": TOPIC_ARN,
    }


def test_only_this_accounts_alarms_and_rules_publish_and_only_over_tls(plan):
    assert one(plan, "aws:sns/topicPolicy:TopicPolicy")["inputs"] == {
        "arn": TOPIC_ARN,
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowAlarmPublishing",
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                    "Action": "sns:Publish",
                    "Resource": TOPIC_ARN,
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": ["sns:Publish", "sns:Subscribe"],
                    "Resource": TOPIC_ARN,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        },
    }


def test_one_subscription_per_subscriber(plan):
    subscriptions = sorted(resources(plan, "aws:sns/topicSubscription:TopicSubscription"), key=lambda r: r["name"])
    assert [(s["name"], s["inputs"]) for s in subscriptions] == [
        ("alarms-subscriber-0", {"endpoint": "security@acme.example", "protocol": "email", "topic": TOPIC_ARN}),
        (
            "alarms-subscriber-1",
            {"endpoint": "https://hooks.acme.example/alarms", "protocol": "https", "topic": TOPIC_ARN},
        ),
    ]
    assert [s["outputs"]["pendingConfirmation"] for s in subscriptions] == [True, False]


def test_everything_lands_in_the_providers_account_and_region(plan):
    for resource in resources(plan):
        if resource["type"].startswith("aws:"):
            assert resource["lands_in"] == {"cloud": "aws", "account": ACCOUNT, "region": REGION}, resource["name"]


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"subscribers": []}, "subscribers", "at least one subscriber"),
        (
            {"subscribers": [{"protocol": "http", "endpoint": "http://hooks.acme.example"}]},
            "subscribers[0].protocol",
            "(got 'http')",
        ),
        (
            {"subscribers": [SUBSCRIBERS[0], {"protocol": "email", "endpoint": "security.acme.example"}]},
            "subscribers[1].endpoint",
            "not a valid email endpoint",
        ),
        (
            {"subscribers": [{"protocol": "https", "endpoint": "http://hooks.acme.example/alarms"}]},
            "subscribers[0].endpoint",
            "not a valid https endpoint",
        ),
        ({"administrator_arns": []}, "administrator_arns", "at least one role"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    args = {"administrator_arns": [DEPLOYER], "subscribers": SUBSCRIBERS} | overrides
    message, declared = refusal(lambda: AlertTopic("alarms", args))
    assert message.startswith(f"AlertTopic 'alarms': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]
