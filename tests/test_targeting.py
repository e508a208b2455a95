"""Where a resource lands (tools/hardened_tools/plan/targeting.py): read from its provider's inputs or the stack's config."""

import re

import pytest

from hardened_tools.plan import sdk_internals as sdk
from hardened_tools.plan.fragments import Placeholders
from hardened_tools.plan.targeting import (
    Target,
    assumed_role_arn,
    default_provider_disabled,
    default_provider_inputs,
    default_provider_name,
    misspelled_provider_keys,
    named_provider,
    package_of,
    provider_target,
)

URN = "urn:pulumi:test::hardened-test::pulumi:providers:aws::workload"
ROLE = "arn:aws:iam::210987654321:role/hardened-deployer"


def target(package: str, inputs: dict) -> tuple[Target | None, set[str]]:
    placeholders = Placeholders()
    return provider_target(package, inputs, URN, placeholders), placeholders.atoms


def test_an_aws_provider_lands_in_its_pinned_account_else_its_role_s_account():
    assert target("aws", {"allowedAccountIds": '["111122223333"]', "region": "eu-west-1"}) == (
        Target("aws", account="111122223333", region="eu-west-1"),
        set(),
    )
    assert target("aws", {"assumeRoles": f'[{{"roleArn": "{ROLE}"}}]'}) == (
        Target("aws", account="210987654321"),
        set(),
    )
    # A pinned account that is a secret (an output of a secret) is still the account a reviewer must see.
    assert target("aws", {"allowedAccountIds": sdk.wrap_rpc_secret('["111122223333"]')})[0].account == "111122223333"


def test_an_aws_provider_pinned_to_nothing_lands_in_a_placeholder_account():
    found, atoms = target("aws", {"region": "eu-west-1"})
    assert re.fullmatch("[0-9]{12}", found.account) and atoms == {found.account}
    assert found.as_dict() == {"cloud": "aws", "account": found.account, "region": "eu-west-1"}


def test_other_providers():
    assert target("gcp", {"project": "acme-backups", "region": "europe-west3"})[0].as_dict() == {
        "cloud": "gcp",
        "project": "acme-backups",
        "region": "europe-west3",
    }
    assert target("pulumi", {}) == (None, set())
    assert target("random", {"version": "4.16.0"}) == (Target("random"), set())


def test_role_settings():
    assert assumed_role_arn({"assumeRoles": f'[{{"roleArn": "{ROLE}"}}]'}) == ROLE
    assert assumed_role_arn({}) is None
    assert misspelled_provider_keys(
        {
            "assumeRoles": f'[{{"role_arn": "{ROLE}", "sessionName": "ci"}}]',
            "assumeRoleWithWebIdentity": '{"web_identity_token_file": "/t"}',
        }
    ) == ["assumeRoles.role_arn", "assumeRoleWithWebIdentity.web_identity_token_file"]
    assert misspelled_provider_keys({"assumeRoles": f'[{{"roleArn": "{ROLE}"}}]'}) == []


def test_the_provider_serving_a_request():
    assert named_provider(f"{URN}::04da6b54-80e4-46f7-96ec-b56ff0331ba9") == URN
    assert package_of("aws:s3/bucket:Bucket") == "aws" and package_of("gcp:storage/getProjectServiceAccount:x") == "gcp"
    assert default_provider_name("") == "default"
    assert default_provider_name("7.51.1") == "default_7_51_1"
    assert default_provider_name("1.0.0-alpha.1") == "default_1_0_0_alpha_1"


def test_a_default_provider_is_configured_from_its_package_s_keys():
    config = {
        "aws:region": "eu-west-1",
        "aws:allowedAccountIds": '["111122223333"]',
        "gcp:project": "p",
        "pulumi:disable-default-providers": "[]",
    }
    assert default_provider_inputs("aws", "7.51.1", config) == {
        "allowedAccountIds": '["111122223333"]',
        "region": "eu-west-1",
        "version": "7.51.1",
    }
    assert default_provider_inputs("gcp", "", config) == {"project": "p"}
    assert default_provider_inputs("pulumi", "", config) == {}


@pytest.mark.parametrize(
    ("setting", "aws", "gcp"),
    [
        (None, False, False),
        ('["aws"]', True, False),
        ('["*"]', True, True),
        ("aws", True, False),  # a single name rather than a JSON list
    ],
)
def test_default_providers_disabled_by_the_stack(setting, aws, gcp):
    config = {} if setting is None else {"pulumi:disable-default-providers": setting}
    assert (default_provider_disabled("aws", config), default_provider_disabled("gcp", config)) == (aws, gcp)
    assert default_provider_disabled("pulumi", config) is False
