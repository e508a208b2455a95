"""What raises the break-glass alarm: EventBridge patterns, a CloudWatch Logs metric filter, and who may publish.

The patterns match CloudTrail events as EventBridge delivers them ("AWS Console Sign In via CloudTrail" from
`aws.signin`, "AWS API Call via CloudTrail" from `aws.sts`). The metric filter reads the same events from the
organization trail's log group, every account and every region, as a second path.
"""

from collections.abc import Iterable

from .statements import policy_document


def break_glass_sign_in_pattern(account_id: str, user_names: Iterable[str]) -> dict:
    """Any console sign-in of a break-glass user, successful or not.

    Matched on account and user name, not ARN: CloudTrail records a failed IAM-user sign-in without
    `userIdentity.arn` (CloudTrail User Guide, "AWS Management Console sign-in events").
    """
    return {
        "source": ["aws.signin"],
        "detail-type": ["AWS Console Sign In via CloudTrail"],
        "detail": {
            "eventName": ["ConsoleLogin"],
            "userIdentity": {"type": ["IAMUser"], "accountId": [account_id], "userName": sorted(set(user_names))},
        },
    }


def break_glass_assume_role_pattern(role_name: str) -> dict:
    """Any AssumeRole of a role of that name in any account, whoever calls it and whether or not it succeeds.

    A wildcard over the account keeps the pattern within EventBridge's 2,048 characters however many accounts
    the organization has (a list of ARNs would pass it at about 35 accounts).
    """
    return {
        "source": ["aws.sts"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["sts.amazonaws.com"],
            "eventName": ["AssumeRole"],
            "requestParameters": {"roleArn": [{"wildcard": f"arn:aws:iam::*:role/{role_name}"}]},
        },
    }


def break_glass_metric_filter(account_id: str, user_names: Iterable[str], role_name: str) -> str:
    """CloudWatch Logs filter pattern over CloudTrail records: a break-glass sign-in, or assuming the role in any account."""
    users = " || ".join(f'$.userIdentity.userName = "{user}"' for user in sorted(set(user_names)))
    return (
        f'{{ ($.eventName = "ConsoleLogin" && $.userIdentity.type = "IAMUser" && $.userIdentity.accountId = "{account_id}" && ({users})) || '
        f'($.eventName = "AssumeRole" && $.requestParameters.roleArn = "*:role/{role_name}") }}'
    )


def allow_alarm_publishing(topic_arn: str, account_id: str) -> dict:
    """EventBridge rules and CloudWatch alarms of this account, and nothing else, publish to the topic."""
    return {
        "Sid": "AllowAlarmPublishing",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }


def deny_insecure_transport(topic_arn: str) -> dict:
    """Nobody publishes or subscribes over plain HTTP."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["sns:Publish", "sns:Subscribe"],
        "Resource": topic_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def alert_topic_policy(topic_arn: str, account_id: str) -> dict:
    """The topic's policy: alarms publish, over TLS only."""
    return policy_document(allow_alarm_publishing(topic_arn, account_id), deny_insecure_transport(topic_arn))


def allow_alarm_encryption() -> dict:
    """Key-policy statement: EventBridge and CloudWatch may encrypt the messages they publish to the topic."""
    return {
        "Sid": "AllowAlarmEncryption",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "*",
    }


def alarm_bus_policy(bus_arn: str, organization_id: str) -> dict:
    """The alarm hub's bus: any principal of the organization (the forwarding roles) may put events on it, nobody else."""
    return policy_document(
        {
            "Sid": "AllowForwardingFromTheOrganization",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "events:PutEvents",
            "Resource": bus_arn,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
        }
    )


def trust_event_forwarding(account_id: str) -> dict:
    """Trust policy of a forwarding role: EventBridge, for this account's rules only."""
    return policy_document(
        {
            "Sid": "TrustedByEventBridge",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def allow_forwarding_to(bus_arn: str) -> dict:
    """All a forwarding role may do: put events on the alarm hub's bus."""
    return policy_document(
        {"Sid": "ForwardToTheAlarmHub", "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus_arn}
    )
