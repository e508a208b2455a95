"""Every component refuses a misspelled argument (with a did-you-mean), a string where a list is due and a missing
required argument, before anything is declared (components/hardened/arguments.py)."""

import typing

import pulumi
import pytest
from planning import PROJECT

import hardened.aws
import hardened.gcp
from hardened.arguments import _options, _required_or_not
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program

COMPONENTS = {
    name: (getattr(module, name), getattr(module, f"{name}Args"))
    for module in (hardened.aws, hardened.gcp)
    for name in module.__all__
    if hasattr(module, f"{name}Args")
}


def list_fields(schema: type) -> list[str]:
    return sorted(
        key
        for key, annotation in schema.__annotations__.items()
        if any(typing.get_origin(o) is list for o in _options(_required_or_not(annotation)))
    )


def declared(build) -> list[str]:
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_program(build, project=PROJECT, stack="test", registrations=registered)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []
    return [str(raised.value)]


def test_every_component_is_covered():
    public = {
        name
        for module in (hardened.aws, hardened.gcp)
        for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), pulumi.ComponentResource)
    }
    assert set(COMPONENTS) == public and len(COMPONENTS) >= 23


@pytest.mark.parametrize("component", COMPONENTS)
def test_a_misspelled_argument_is_refused_with_a_suggestion(component):
    cls, schema = COMPONENTS[component]
    real = sorted(schema.__required_keys__ | schema.__optional_keys__)[0]
    typo = real[:-1] + ("x" if real[-1] != "x" else "y")
    [message] = declared(lambda: cls("c", {typo: None}))
    assert message.startswith(
        f"{component} 'c': argument '{typo}' is not an argument of {schema.__name__} (did you mean '{real}'?)"
    )


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

    [message] = declared(
        lambda: ImmutableBucket(
            "c",
            {
                "retention_days": 35,
                "administrator_arns": ["arn:aws:iam::111122223333:role/d"],
                "replicate_to": {"bucket_arn": "arn:aws:s3:::r", "acount_id": "111122223333"},
            },
        )
    )
    assert message.startswith(
        "ImmutableBucket 'c': argument 'replicate_to.acount_id' is not an argument of ReplicaDestination "
        "(did you mean 'account_id'?)"
    )


def test_arguments_that_are_not_a_mapping_are_refused():
    from hardened.aws import AlertTopic

    [message] = declared(lambda: AlertTopic("c", ["subscribers"]))
    assert message == "AlertTopic 'c': argument 'args' must be a mapping of argument names to values (got list)"


# --- Outputs are checked when they resolve ------------------------------------------------------------------------

from planning import BREAK_GLASS, DEPLOYER, account_provider, in_account, plan_of  # noqa: E402

from hardened.arguments import Arguments  # noqa: E402
from hardened.aws import BucketReplication, ImmutableBucket, LockedVault  # noqa: E402
from hardened.aws.arns import resolved_value_problem  # noqa: E402


def refused_when_resolved(build) -> str:
    with pytest.raises(ComponentArgumentError) as raised:
        plan_of(build)
    return str(raised.value)


@pytest.mark.parametrize(
    "resolved", ["*", "arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:root", "deployer"]
)
def test_a_principal_output_resolving_to_a_wildcard_or_a_malformed_arn_fails(resolved):
    def program():
        ImmutableBucket(
            "backups",
            {
                "retention_mode": "GOVERNANCE",
                "retention_days": 1,
                "administrator_arns": [DEPLOYER, pulumi.Output.from_input(resolved)],
            },
            opts=in_account(account_provider()),
        )

    assert refused_when_resolved(program) == (
        f"ImmutableBucket 'backups': argument 'administrator_arns[1]' resolved to {resolved!r}, which is not an exact IAM "
        "role or user ARN such as arn:aws:iam::111122223333:role/name"
    )


def test_an_account_id_output_is_checked_when_it_resolves():
    def program():
        LockedVault(
            "vault",
            {
                "retention_mode": "GOVERNANCE",
                "min_retention_days": 1,
                "max_retention_days": 30,
                "administrator_arns": [DEPLOYER],
                "break_glass_arns": [BREAK_GLASS],
                "copy_source_account_ids": [pulumi.Output.from_input("１１１１２２２２３３３３")],
            },
            opts=in_account(account_provider()),
        )

    assert refused_when_resolved(program) == (
        "LockedVault 'vault': argument 'copy_source_account_ids[0]' resolved to '１１１１２２２２３３３３', "
        "which is not a 12-digit AWS account id"
    )


def test_nested_arguments_are_checked_when_they_resolve():
    def program():
        BucketReplication(
            "replication",
            {
                "bucket": "source",
                "bucket_arn": "arn:aws:s3:::source",
                "key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1234",
                "destination": {
                    "bucket_arn": pulumi.Output.from_input("arn:aws:s3:::*"),
                    "account_id": "444455556666",
                    "key_arn": "arn:aws:kms:eu-west-1:444455556666:key/5678",
                },
            },
            opts=in_account(account_provider()),
        )

    assert refused_when_resolved(program).startswith(
        "BucketReplication 'replication': argument 'destination.bucket_arn' resolved to 'arn:aws:s3:::*', which is not a whole ARN"
    )


def test_good_outputs_and_plain_values_pass_unchanged():
    args = {"retention_mode": "GOVERNANCE", "retention_days": 1, "administrator_arns": [DEPLOYER]}
    assert Arguments("ImmutableBucket", "b", args, hardened.aws.ImmutableBucketArgs).args == args
    plan_of(
        lambda: ImmutableBucket(
            "backups",
            {
                "retention_mode": "GOVERNANCE",
                "retention_days": 1,
                "administrator_arns": [pulumi.Output.from_input(DEPLOYER)],
            },
            opts=in_account(account_provider()),
        )
    )


@pytest.mark.parametrize(
    ("argument", "good", "bad"),
    [
        ("administrator_arns", "arn:aws:iam::111122223333:user/bg-1", "arn:aws:iam::111122223333:group/admins"),
        ("role_arn", "arn:aws-us-gov:iam::111122223333:role/r", "arn:aws:iam::111122223333:user/u"),
        ("role_policy_arns", "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/*"),
        (
            "bus_arn",
            "arn:aws:events:eu-west-1:111122223333:event-bus/hub",
            "arn:aws:events:eu-west-1:111122223333:event-bus/*",
        ),
        ("account_id", "111122223333", "11112222333"),
        ("organization_id", "o-abcd123456", "o-*"),
    ],
)
def test_what_each_identifier_must_be(argument, good, bad):
    check = resolved_value_problem(argument)
    assert check(good) is None and check(bad)


def test_names_that_are_no_identifiers_are_not_checked():
    assert resolved_value_problem("resource_arns") is None  # AWS Backup selections take ARN patterns
    assert resolved_value_problem("retention_days") is None


def test_identifiers_take_ascii_digits_only():
    """Python's \\d matches any script's digits; AWS account ids are ASCII."""

    def program():
        LockedVault(
            "vault",
            {
                "retention_mode": "GOVERNANCE",
                "min_retention_days": 1,
                "max_retention_days": 30,
                "administrator_arns": [DEPLOYER],
                "copy_source_account_ids": ["１１１１２２２２３３３３"],
            },
            opts=in_account(account_provider()),
        )

    (message,) = declared(program)
    assert (
        message.startswith("LockedVault 'vault': argument 'copy_source_account_ids'")
        and "１１１１２２２２３３３３" in message
    )


def test_gcp_identifier_outputs_are_checked_when_they_resolve():
    import pulumi_gcp as gcp

    from hardened.gcp import FolderGuardrails

    def program():
        provider = gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
        FolderGuardrails(
            "guardrails",
            {
                "folder_id": "folders/123456789",
                "allowed_locations": ["europe-west3"],
                "allowed_customer_ids": ["C03xyz7ab"],
                "retention_days": [30],
                "break_glass_principals": ["principal://goog/subject/alice@acme.example"],
                "service_agents": {
                    "project_number": "123456789012",
                    "organization_id": "111122223333",
                    "members": [pulumi.Output.from_input("user:mallory@evil.example")],
                },
            },
            opts=pulumi.ResourceOptions(provider=provider),
        )

    assert refused_when_resolved(program) == (
        "FolderGuardrails 'guardrails': argument 'service_agents.members[0]' resolved to 'user:mallory@evil.example', "
        "which is not a Google service agent such as serviceAccount:service-123@gs-project-accounts.iam.gserviceaccount.com"
    )


def test_gcp_and_aws_organization_ids_are_told_apart():
    from hardened.gcp.identifiers import resolved_value_problem as gcp_problem

    assert gcp_problem("organization_id")("123456789012") is None
    assert resolved_value_problem("organization_id")("123456789012")  # an AWS organization id is o-...
    assert gcp_problem("project_id")("acme-backups") is None and gcp_problem("project_id")("*")
    assert gcp_problem("source_bucket_arn")("arn:aws:s3:::replica") is None


WRONG_TYPES = [5, True, 1.5, "text", ["text"], [5], {"key": 5}, object()]


@pytest.mark.parametrize("component", COMPONENTS)
def test_a_value_of_the_wrong_type_is_refused_as_an_argument_error(component):
    """Every field, given each wrong-typed value alone: a ComponentArgumentError (never a TypeError, KeyError or
    AttributeError from deep inside), before anything is declared."""
    cls, schema = COMPONENTS[component]
    for field in sorted(schema.__required_keys__ | schema.__optional_keys__):
        for value in WRONG_TYPES:
            registered = {}
            try:
                run_program(
                    lambda cls=cls, field=field, value=value: cls("c", {field: value}),
                    project=PROJECT,
                    stack="test",
                    registrations=registered,
                )
            except ComponentArgumentError:
                assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == [], (field, value)
            # Accepted only when the value fits and nothing else is required (MfaEnforcement(centralize_root_access=True)).


def test_a_wrong_type_names_what_is_due():
    with pytest.raises(ComponentArgumentError) as raised:
        Arguments("ImmutableBucket", "b", {"retention_days": "seven"}, hardened.aws.ImmutableBucketArgs)
    assert (
        str(raised.value)
        == "ImmutableBucket 'b': argument 'retention_days' takes a whole number, not str (got 'seven')"
    )
    with pytest.raises(ComponentArgumentError) as raised:
        Arguments("ImmutableBucket", "b", {"administrator_arns": [DEPLOYER, 5]}, hardened.aws.ImmutableBucketArgs)
    assert str(raised.value) == "ImmutableBucket 'b': argument 'administrator_arns[1]' takes a string, not int (got 5)"


def test_a_secret_output_that_resolves_badly_is_not_printed():
    def program():
        ImmutableBucket(
            "backups",
            {
                "retention_mode": "GOVERNANCE",
                "retention_days": 1,
                "administrator_arns": [pulumi.Output.secret("arn:aws:iam::111122223333:role/*")],
            },
            opts=in_account(account_provider()),
        )

    message = refused_when_resolved(program)
    assert message.startswith(
        "ImmutableBucket 'backups': argument 'administrator_arns[0]' resolved to a secret value, which "
    )
    assert "role/*" not in message


# --- One checker: every component starts with Arguments, and every refusal is its refuse ----------------------------

import ast  # noqa: E402
import inspect  # noqa: E402
import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

import hardened.arguments  # noqa: E402

LIBRARY = Path(hardened.arguments.__file__).parent


def argument_errors_made(source: str) -> list[str]:
    """The functions of `source` (innermost, "<module>" outside any) that call ComponentArgumentError(...)."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.Call) and "ComponentArgumentError" in (
            getattr(node.func, "id", None),
            getattr(node.func, "attr", None),
        ):
            found.append(function)
        for child in ast.iter_child_nodes(node):
            visit(child, child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function)

    visit(ast.parse(source), "<module>")
    return found


def test_the_search_for_argument_errors_finds_them():
    source = (
        "def _check(name):\n    def problem(a, t):\n        return errors.ComponentArgumentError('X', name, a, t)\n"
    )
    assert argument_errors_made(source) == ["problem"]
    assert argument_errors_made("raise ComponentArgumentError('X', 'n', 'a', 'p')") == ["<module>"]


def test_only_refuse_makes_an_argument_error():
    """No component, shared check or helper builds a ComponentArgumentError of its own: each refusal is
    `checked.refuse(...)` (or `hardened.arguments.refuse` where no component's arguments are at hand)."""
    made = {
        str(path.relative_to(LIBRARY)): argument_errors_made(path.read_text()) for path in sorted(LIBRARY.rglob("*.py"))
    }
    assert {path: functions for path, functions in made.items() if functions} == {"arguments.py": ["refuse"]}


def test_refuse_is_typed_no_return():
    """A type checker then knows nothing after a refusal runs (an `if bad: checked.refuse(...)` narrows)."""
    assert typing.get_type_hints(Arguments.refuse)["return"] is typing.NoReturn
    assert typing.get_type_hints(hardened.arguments.refuse)["return"] is typing.NoReturn


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_component_checks_its_arguments_first(component):
    """`checked = Arguments("<Component>", name, args, <Component>Args)` then `args = checked.args`, before anything
    else: the component's own checks refuse through it, under its own name."""
    cls, schema = COMPONENTS[component]
    [init] = ast.parse(textwrap.dedent(inspect.getsource(cls.__init__))).body
    first, second = (ast.unparse(statement) for statement in init.body[:2])
    assert first == f"checked = Arguments({component!r}, name, args, {schema.__name__})"
    assert second == "args = checked.args"


def test_a_refusal_keeps_only_its_own_message():
    """A check that parses (a location, a baseline) refuses without the parse error chained behind the message."""
    from hardened.aws import GuardrailPolicy
    from hardened.gcp import LockedBucket

    for build in (
        lambda: LockedBucket("b", {"location": "mars-north1", "retention_days": 30}),
        lambda: GuardrailPolicy("g", {"baseline": "everything", "target_id": "r-a1b2"}),
    ):
        with pytest.raises(ComponentArgumentError) as raised:
            run_program(build, project=PROJECT, stack="test")
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert str(raised.value).startswith(
        "GuardrailPolicy 'g': argument 'baseline' must be one of organization, backup, "
    )


def test_the_checker_names_the_component_and_the_argument():
    checked = Arguments(
        "ImmutableBucket",
        "b",
        {"retention_days": 0, "administrator_arns": [DEPLOYER]},
        hardened.aws.ImmutableBucketArgs,
    )
    with pytest.raises(ComponentArgumentError) as raised:
        checked.refuse("retention_days", "must be a whole number of days from 1 to 36500 (got 0)")
    assert (
        str(raised.value)
        == "ImmutableBucket 'b': argument 'retention_days' must be a whole number of days from 1 to 36500 (got 0)"
    )


# --- whole numbers that arrive as floats ---------------------------------------------------------------------------


class _Nested(typing.TypedDict):
    retention_days: int


class _Numbers(typing.TypedDict):
    """A stand-in for a component's args: every way a whole number (or a number) is declared."""

    days: int
    maybe_days: typing.NotRequired[int | None]
    each_day: typing.NotRequired[list[int] | None]
    nested: typing.NotRequired[_Nested | None]
    copies: typing.NotRequired[list[_Nested] | None]
    ratio: typing.NotRequired[float | None]
    flag: typing.NotRequired[bool | None]
    by_name: typing.NotRequired[dict[str, int] | None]


def test_an_integral_float_is_taken_as_the_int_it_is():
    given = {
        "days": 35.0,
        "maybe_days": 7.0,
        "each_day": [30.0, 365],
        "nested": {"retention_days": 14.0},
        "copies": [{"retention_days": 90.0}],
        "by_name": {"a": 3.0},
    }
    checked = Arguments("C", "c", given, _Numbers)
    assert checked.args == {
        "days": 35,
        "maybe_days": 7,
        "each_day": [30, 365],
        "nested": {"retention_days": 14},
        "copies": [{"retention_days": 90}],
        "by_name": {"a": 3},
    }
    args = typing.cast(dict, checked.args)
    leaves = [args["days"], args["maybe_days"], *args["each_day"], args["nested"]["retention_days"]]
    leaves += [args["copies"][0]["retention_days"], args["by_name"]["a"]]
    assert all(type(leaf) is int for leaf in leaves)
    assert given["days"] == 35.0 and type(given["days"]) is float and given["each_day"] == [30.0, 365]  # not changed


def test_a_float_where_a_float_is_due_and_a_bool_stay_as_they_are():
    checked = Arguments("C", "c", {"days": 1, "ratio": 2.0, "flag": True}, _Numbers)
    args = typing.cast(dict, checked.args)
    assert type(args["ratio"]) is float and args["flag"] is True


@pytest.mark.parametrize(
    ("given", "argument", "got"),
    [
        ({"days": 35.5}, "days", "35.5"),
        ({"days": True}, "days", "True"),
        ({"days": 1, "maybe_days": float("inf")}, "maybe_days", "inf"),
        ({"days": 1, "maybe_days": float("nan")}, "maybe_days", "nan"),
        ({"days": 1, "each_day": [30.0, 30.5]}, "each_day[1]", "30.5"),
        ({"days": 1, "each_day": [False]}, "each_day[0]", "False"),
        ({"days": 1, "nested": {"retention_days": 0.5}}, "nested.retention_days", "0.5"),
        (
            {"days": 1, "copies": [{"retention_days": 1.0}, {"retention_days": 2.25}]},
            "copies[1].retention_days",
            "2.25",
        ),
    ],
)
def test_a_fraction_or_a_bool_where_a_whole_number_is_due_is_refused(given, argument, got):
    with pytest.raises(ComponentArgumentError) as raised:
        Arguments("C", "c", given, _Numbers)
    kind = "bool" if got in ("True", "False") else "float"
    assert str(raised.value) == f"C 'c': argument '{argument}' takes a whole number, not {kind} (got {got})"


def test_a_python_caller_passing_a_float_day_count_gets_the_component_built():
    from hardened.aws import MfaEnforcement

    plan = plan_of(lambda: MfaEnforcement("mfa", {"minimum_password_length": 16.0, "max_password_age_days": 60.0}))
    [policy] = [r for r in plan["resources"] if r["type"] == "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"]
    assert (policy["inputs"]["minimumPasswordLength"], policy["inputs"]["maxPasswordAge"]) == (16, 60)
    assert type(policy["inputs"]["minimumPasswordLength"]) is int
    with pytest.raises(ComponentArgumentError) as raised:
        plan_of(lambda: MfaEnforcement("mfa", {"minimum_password_length": 16.5}))
    assert str(raised.value) == (
        "MfaEnforcement 'mfa': argument 'minimum_password_length' takes a whole number, not float (got 16.5)"
    )
