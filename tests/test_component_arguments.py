"""Every component refuses a misspelled argument (with a did-you-mean), a string where a list is due and a missing
required argument, before anything is declared (components/hardened/arguments.py)."""

import typing

import pytest

import hardened.aws
import hardened.gcp
from hardened.arguments import _options, _required_or_not
from hardened.errors import ComponentArgumentError
from hardened.plan import run_program
from planning import PROJECT

COMPONENTS = {
    name: (getattr(module, name), getattr(module, f"{name}Args"))
    for module in (hardened.aws, hardened.gcp) for name in module.__all__ if hasattr(module, f"{name}Args")
}


def list_fields(schema: type) -> list[str]:
    return sorted(key for key, annotation in schema.__annotations__.items()
                  if any(typing.get_origin(o) is list for o in _options(_required_or_not(annotation))))


def declared(build) -> list[str]:
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_program(build, project=PROJECT, stack="test", registrations=registered)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []
    return [str(raised.value)]


def test_every_component_is_covered():
    assert len(COMPONENTS) >= 23


@pytest.mark.parametrize("component", COMPONENTS)
def test_a_misspelled_argument_is_refused_with_a_suggestion(component):
    cls, schema = COMPONENTS[component]
    real = sorted(schema.__required_keys__ | schema.__optional_keys__)[0]
    typo = real[:-1] + ("x" if real[-1] != "x" else "y")
    [message] = declared(lambda: cls("c", {typo: None}))
    assert message.startswith(f"{component} 'c': argument '{typo}' is not an argument of {schema.__name__} (did you mean '{real}'?)")


@pytest.mark.parametrize("component", [c for c in COMPONENTS if list_fields(COMPONENTS[c][1])])
def test_a_string_where_a_list_is_due_is_refused(component):
    cls, schema = COMPONENTS[component]
    for field in list_fields(schema):
        [message] = declared(lambda field=field: cls("c", {field: "bg-1"}))
        assert message == f"{component} 'c': argument '{field}' takes a list, not a str (got 'bg-1'): write ['bg-1']"


@pytest.mark.parametrize("component", [c for c in COMPONENTS if COMPONENTS[c][1].__required_keys__])
def test_a_missing_required_argument_is_named(component):
    cls, schema = COMPONENTS[component]
    [message] = declared(lambda: cls("c", {}))
    first = sorted(schema.__required_keys__)[0]
    assert message == f"{component} 'c': argument '{first}' is required by {schema.__name__}"


def test_nested_arguments_are_checked_too():
    from hardened.aws import ImmutableBucket

    [message] = declared(lambda: ImmutableBucket("c", {"retention_days": 35, "administrator_arns": ["arn:aws:iam::111122223333:role/d"],
                                                       "replicate_to": {"bucket_arn": "arn:aws:s3:::r", "acount_id": "111122223333"}}))
    assert message.startswith("ImmutableBucket 'c': argument 'replicate_to.acount_id' is not an argument of ReplicaDestination "
                              "(did you mean 'account_id'?)")


def test_arguments_that_are_not_a_mapping_are_refused():
    from hardened.aws import AlertTopic

    [message] = declared(lambda: AlertTopic("c", ["subscribers"]))
    assert message == "AlertTopic 'c': argument 'args' must be a mapping of argument names to values (got list)"


from hardened.aws import LockedVault  # noqa: E402
from planning import DEPLOYER, account_provider, in_account  # noqa: E402


def test_identifiers_take_ascii_digits_only():
    """Python's \\d matches any script's digits; AWS account ids are ASCII."""
    def program():
        LockedVault("vault", {"retention_mode": "GOVERNANCE", "min_retention_days": 1, "max_retention_days": 30,
                              "administrator_arns": [DEPLOYER], "copy_source_account_ids": ["１１１１２２２２３３３３"]},
                    opts=in_account(account_provider()))

    message, = declared(program)
    assert message.startswith("LockedVault 'vault': argument 'copy_source_account_ids'") and "１１１１２２２２３３３３" in message
