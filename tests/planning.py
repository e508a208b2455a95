"""Run programs under the plan's mock runtime and pick resources out of the plan document."""

import json

import pulumi
import pulumi_aws as aws
import pytest

from hardened.errors import ComponentArgumentError
from hardened_tools.plan import build_plan, run_program

PROJECT = "hardened-test"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/hardened-deployer"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/hardened-break-glass"


def plan_of(program, config: dict | None = None, stack: str = "test") -> dict:
    return build_plan(run_program(program, project=PROJECT, stack=stack, config=config))


def account_provider(name: str = "test-account") -> aws.Provider:
    return aws.Provider(name, region=REGION, allowed_account_ids=[ACCOUNT])


def in_account(provider: aws.Provider) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(provider=provider)


def resources(plan: dict, type_: str | None = None) -> list[dict]:
    return [r for r in plan["resources"] if type_ is None or r["type"] == type_]


def one(plan: dict, type_: str) -> dict:
    found = resources(plan, type_)
    assert len(found) == 1, f"expected one {type_}, found {[r['name'] for r in found]}"
    return found[0]


def by_name(plan: dict, name: str) -> dict:
    found = [r for r in plan["resources"] if r["name"] == name]
    assert len(found) == 1, f"expected one resource named {name}"
    return found[0]


def refusal(program) -> tuple[str, list[str]]:
    """The argument error `program` stops with, and the types of what it had declared by then."""
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_program(program, project=PROJECT, stack="test", registrations=registered)
    return str(raised.value), [r.type for r in registered.values()]


_SHIPPED: dict[str, str] = {}


def shipped_plan(stack: str) -> dict:
    """The plan of the shipped stack `stack` (stacks/Pulumi.<stack>.yaml), made once per test session (once per
    worker under pytest-xdist).

    Each caller gets its own copy, so a test that mutates a plan to build a bad case cannot change what the next
    test sees. The plan is kept as its JSON text and each copy parsed from it: a plan is JSON through and through
    (checked when it is made), parsing it is faster than a deep copy, and a string is nothing the garbage collector
    has to scan."""
    if stack not in _SHIPPED:
        from pathlib import Path

        from hardened_tools.plan import find_project, run_stack

        plan = build_plan(run_stack(find_project(Path(__file__).resolve().parents[1]), stack))
        text = json.dumps(plan, ensure_ascii=False)
        assert json.loads(text) == plan, f"the plan of {stack} holds values JSON does not keep as they are"
        _SHIPPED[stack] = text
    return json.loads(_SHIPPED[stack])
