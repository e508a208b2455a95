"""The break-glass alarms, judged by a real EventBridge pattern matcher (moto's) against documented event shapes.

Each fixture in tests/fixtures/events/ is one event as EventBridge delivers it: the envelope of the EventBridge
User Guide ("AWS Events"; "EventBridge Event Examples from Supported AWS Services": the "AWS Management Console
Sign-in Events" and "Events Delivered Via CloudTrail" examples) around a CloudTrail record shaped as in
- CloudTrail User Guide, "AWS Management Console sign-in events" (cloudtrail-event-reference-aws-console-sign-in-events):
  IAM user success with MFA, IAM user failure (no `userIdentity.arn`), root sign-in;
- IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail" (cloudtrail-integration): the cross-account
  AssumeRole record, the AssumeRoleWithSAML record, the sign-in failure record (which does show `userIdentity.arn`),
  and the table of who appears in `userIdentity` for GetSessionToken / AssumeRole;
- CloudTrail User Guide, "CloudTrail userIdentity element": the AssumedRole and AWSService identities;
- AWS CLI examples, `cloudtrail lookup-events` (a ConsoleLogin by an AssumedRole session).
The two AWS guides disagree on whether a failed IAM-user sign-in carries `userIdentity.arn`; both shapes are here.
"""

import json
from pathlib import Path

import pytest
from event_patterns import load
from event_patterns import matches as judged

from hardened.aws.documents.alerts import (
    break_glass_assume_role_pattern,
    break_glass_metric_filter,
    break_glass_sign_in_pattern,
)

EVENTS = Path(__file__).parent / "fixtures" / "events"
MANAGEMENT, BACKUP, PROD = "999988887777", "555910829563", "770864034297"
USERS = ["break-glass-2", "break-glass-1"]
ROLE_NAME = "hardened-break-glass"
# Which rule raises the alarm for each fixture: "sign-in", "assume-role" or None.
EXPECTED = {
    "sign_in_break_glass_success": "sign-in",
    "sign_in_break_glass_failure": "sign-in",
    "sign_in_break_glass_failure_with_arn": "sign-in",
    "sign_in_other_user": None,
    "sign_in_root": None,
    "sign_in_assumed_role": None,
    "assume_role_break_glass_success": "assume-role",
    "assume_role_break_glass_denied": "assume-role",
    "assume_role_other_role": None,
    "assume_role_similar_suffix": None,
    "assume_role_similar_path": None,
    "assume_role_with_saml": None,
    "assume_role_by_aws_service": None,
    "get_session_token_break_glass": None,
}


def event(name: str) -> dict:
    return load(EVENTS, name)


def matches(pattern: dict, name: str) -> bool:
    """The pattern against the fixture `name`, as EventBridge would judge it (tests/event_patterns.py)."""
    return judged(pattern, event(name))


def rules(users=USERS, role_name=ROLE_NAME, account=MANAGEMENT) -> dict:
    return {
        "sign-in": break_glass_sign_in_pattern(account, users),
        "assume-role": break_glass_assume_role_pattern(role_name),
    }


def test_every_fixture_has_a_verdict():
    assert sorted(path.stem for path in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize(
    ("name", "expected"), [pytest.param(name, expected, id=name) for name, expected in EXPECTED.items()]
)
def test_exactly_the_expected_rule_fires(name, expected):
    verdicts = {what: matches(pattern, name) for what, pattern in rules().items()}
    assert verdicts == {what: what == expected for what in verdicts}


def test_the_sign_in_pattern_exactly():
    assert break_glass_sign_in_pattern(MANAGEMENT, USERS + USERS[:1]) == {
        "source": ["aws.signin"],
        "detail-type": ["AWS Console Sign In via CloudTrail"],
        "detail": {
            "eventName": ["ConsoleLogin"],
            "userIdentity": {
                "type": ["IAMUser"],
                "accountId": ["999988887777"],
                "userName": ["break-glass-1", "break-glass-2"],
            },
        },
    }


def test_the_assume_role_pattern_exactly():
    assert break_glass_assume_role_pattern(ROLE_NAME) == {
        "source": ["aws.sts"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["sts.amazonaws.com"],
            "eventName": ["AssumeRole"],
            "requestParameters": {"roleArn": [{"wildcard": "arn:aws:iam::*:role/hardened-break-glass"}]},
        },
    }


def test_the_patterns_stay_within_eventbridges_size_limit():
    """2,048 characters by default (EventBridge quotas, "Event pattern size"), whatever the number of accounts."""
    users = [f"break-glass-{n}" for n in range(10)]
    assert all(len(json.dumps(p)) <= 2048 for p in rules(users=users).values())


def test_patterns_built_for_other_principals_match_none_of_the_break_glass_events():
    others = [rules(["alice"], "hardened-break-glass-old"), rules(["alice"], "legacy/hardened-break-glass")]
    matched = {
        name for name in EXPECTED if any(matches(pattern, name) for rule_set in others for pattern in rule_set.values())
    }
    assert matched == {"sign_in_other_user", "assume_role_similar_suffix", "assume_role_similar_path"}
    # The same user names in another account are other users.
    elsewhere = rules(account=BACKUP)["sign-in"]
    assert not any(matches(elsewhere, name) for name in EXPECTED)


def test_the_matcher_is_real():
    """A wrong source matches nothing; nested `detail` objects, null values and arrays are matched as EventBridge does.

    moto does not descend into arrays of objects (`detail.resources[].ARN`), where EventBridge does: no pattern here needs to.
    """
    for pattern in rules().values():
        assert not any(matches(pattern | {"source": ["aws.iam"]}, name) for name in EXPECTED)
    saml = {"detail": {"eventName": ["AssumeRoleWithSAML"], "requestParameters": {"transitiveTagKeys": ["Department"]}}}
    assert matches(saml, "assume_role_with_saml")  # an array value matches when any element does
    assert not matches(
        saml | {"detail": {"requestParameters": {"transitiveTagKeys": ["CostCenter"]}}}, "assume_role_with_saml"
    )
    assert matches({"detail": {"responseElements": [None]}}, "assume_role_break_glass_denied")
    assert not matches({"detail": {"userIdentity": {"arn": [{"exists": True}]}}}, "sign_in_break_glass_failure")
    assert matches({"detail": {"userIdentity": {"arn": [{"exists": True}]}}}, "sign_in_break_glass_failure_with_arn")
    assert matches(
        {
            "detail": {
                "errorCode": ["AccessDenied"],
                "requestParameters": {"roleArn": [{"prefix": "arn:aws:iam::770864034297:"}]},
            }
        },
        "assume_role_break_glass_denied",
    )


def test_the_trail_metric_filter_exactly():
    """CloudWatch Logs filter syntax cannot be evaluated offline; the string is pinned literally."""
    assert break_glass_metric_filter(MANAGEMENT, USERS + USERS[:1], "hardened-break-glass") == (
        '{ ($.eventName = "ConsoleLogin" && $.userIdentity.type = "IAMUser" && $.userIdentity.accountId = "999988887777" && '
        '($.userIdentity.userName = "break-glass-1" || $.userIdentity.userName = "break-glass-2")) || '
        '($.eventName = "AssumeRole" && $.requestParameters.roleArn = "*:role/hardened-break-glass") }'
    )
