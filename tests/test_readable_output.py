"""Readable plan output: what the plan marks computed is only what exists after deployment."""

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from hardened.plan import build_plan, find_project, run_program, run_stack
from hardened.plan.references import ReferencedStack
from hardened.plan.render import COMPUTED_MARK, render_text
from planning import PROJECT, account_provider, by_name, in_account, one, plan_of

ROOT = Path(__file__).resolve().parents[1]

# --- Given values are not marked computed ----------------------------------------------------------------------


def _known_through_apply():
    config = pulumi.Config()
    provider = account_provider()
    given = pulumi.Output.all(config.require("prefix"), "literal").apply(lambda parts: "-".join(parts))
    window = pulumi.Output.all(config.require_int("days")).apply(lambda parts: parts[0])
    key = aws.kms.Key("key", description=given, deletion_window_in_days=window, opts=in_account(provider))
    # The same apply over a placeholder: this one is computed.
    made_up = pulumi.Output.all(key.arn, given).apply(lambda parts: f"{parts[1]} for {parts[0]}")
    aws.kms.Alias("alias", name=given.apply(lambda text: f"alias/{text}"), target_key_id=key.key_id, opts=in_account(provider))
    aws.sns.Topic("topic", display_name=made_up, opts=in_account(provider))
    pulumi.export("given", given)
    pulumi.export("days", window)
    pulumi.export("madeUp", made_up)


@pytest.fixture(scope="module")
def through_apply() -> dict:
    return plan_of(_known_through_apply, config={f"{PROJECT}:prefix": "acme", f"{PROJECT}:days": "30"})


def test_a_given_value_through_output_all_apply_is_not_marked_computed(through_apply):
    key = one(through_apply, "aws:kms/key:Key")
    assert key["inputs"]["description"] == "acme-literal" and key["inputs"]["deletionWindowInDays"] == 30
    assert key["computed_inputs"] == []
    assert one(through_apply, "aws:kms/alias:Alias")["computed_inputs"] == ["targetKeyId"]
    text = render_text(through_apply)
    assert "description: acme-literal\n" in text and "name: alias/acme-literal\n" in text
    assert "  given: acme-literal\n" in text and "  days: 30\n" in text


def test_the_same_apply_over_a_placeholder_is_marked_computed(through_apply):
    topic = one(through_apply, "aws:sns/topic:Topic")
    assert topic["computed_inputs"] == ["displayName"]
    assert through_apply["computed_outputs"] == ["madeUp"]
    assert f"displayName: {topic['inputs']['displayName']}{COMPUTED_MARK}\n" in render_text(through_apply)


ORGANIZATION = ReferencedStack(
    stack="org",
    outputs={
        "accountId": "555910829563",
        # A placeholder (the bus's auto-name) next to values the organization stack was given.
        "alarms": {"busArn": "arn:aws:events:eu-west-1:555910829563:event-bus/org-alarms-bus-c716056b",
                   "prefix": "org-alarms", "regions": ["eu-west-1", "eu-central-1"]},
        "region": "eu-west-1",
    },
    computed_outputs=["accountId", "alarms"],
)


def _reading_the_organization():
    config = pulumi.Config()
    organization = pulumi.StackReference("org")
    alarms = organization.require_output("alarms")
    main = aws.Provider(
        "main", region=organization.require_output("region"), allowed_account_ids=[organization.require_output("accountId")]
    )
    second = aws.Provider("second", region=config.require("secondRegion"), allowed_account_ids=["111122223333"])
    aws.sns.Topic("forwarder", name=alarms.apply(lambda a: f"{a['prefix']}-forwarder"), opts=in_account(second))
    aws.sns.Topic("bus", display_name=alarms.apply(lambda a: a["busArn"]), opts=in_account(main))


def test_values_the_other_stack_knows_or_this_stack_was_given_are_not_marked_computed():
    run = run_program(
        _reading_the_organization,
        project=PROJECT,
        stack="env",
        config={f"{PROJECT}:secondRegion": "eu-central-1"},
        stack_references=lambda reference: ORGANIZATION,
    )
    plan = build_plan(run)
    # Known in the organization's plan (its region output carries no placeholder), though also inside `alarms`.
    assert by_name(plan, "main")["computed_inputs"] == ["allowedAccountIds"]
    # This stack's own config, though the organization's `alarms` lists the same region.
    assert by_name(plan, "second")["computed_inputs"] == []
    # A name that only begins with a value of `alarms` (as a placeholder would have to be, whole).
    assert by_name(plan, "forwarder")["inputs"]["name"] == "org-alarms-forwarder"
    assert by_name(plan, "forwarder")["computed_inputs"] == []
    # The organization's placeholder stays one here.
    assert by_name(plan, "bus")["computed_inputs"] == ["displayName"]


@pytest.fixture(scope="module")
def prod() -> dict:
    return build_plan(run_stack(find_project(ROOT), "prod"))


def test_the_shipped_environment_does_not_mark_its_configured_regions_computed(prod):
    for name in ("prod-workload", "prod-workload-eu-central-1", "prod-backup"):
        provider = by_name(prod, name)
        assert provider["computed_inputs"] == ["allowedAccountIds", "assumeRoles"], name
    assert "region" not in by_name(prod, "prod-gcp")["computed_inputs"]
    # Named after the configured second region, not after the organization's list of regions.
    assert "name" not in by_name(prod, "prod-eu-central-1-vault-vault")["computed_inputs"]
    text = render_text(prod)
    assert f"region: eu-west-1{COMPUTED_MARK}" not in text and f"region: eu-central-1{COMPUTED_MARK}" not in text
