"""Bad input to `hardened diff`, `review`, `posture` and `deploy`: one `error:` paragraph naming the file, exit 2.

A seeded fuzz mutates a real plan of `prod` and the preview fixtures (types swapped at random paths, keys
deleted and added, NaN, 3,000-deep nesting, 5,000-digit integers, duplicate keys, bad bytes, truncation) and
runs each through the command in-process: every exit is 0, 1 or 2, never an exception or a traceback, and an
exit 2 prints nothing on stdout. Then a table of named cases pins the exact message of each.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from planning import shipped_plan

from hardened_tools.cli import main
from hardened_tools.plan.document import dumps
from hardened_tools.review.preview import format_path, load_preview, parse_path, review_findings

ROOT = Path(__file__).resolve().parents[1]
PREVIEWS = sorted((ROOT / "tests/fixtures/previews").glob("*.json"))
SCHEMA = json.loads((ROOT / "tools/hardened_tools/plan/plan.schema.json").read_text())
MAKE_ONE = "make one with `hardened plan --stack STACK --format json > FILE`"
PREVIEW_HINT = "Pass the file written by `pulumi preview --json > preview.json`."
JSON_HINT = (
    "Pass the output of `pulumi preview --json`; without `--json` the preview is text for people, which this "
    "command cannot read."
)


@pytest.fixture(scope="session")
def plan_file(tmp_path_factory) -> Path:
    """The JSON plan of `prod` as `hardened plan --format json` prints it: the shared plan, in the command's canonical
    JSON (test_plan.py checks the command prints exactly that plan)."""
    path = tmp_path_factory.mktemp("plan") / "prod.json"
    path.write_text(dumps(shipped_plan("prod")))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """`hardened ARGV` in-process: exit status, stdout, stderr. An exception fails the test, as a traceback would."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error(code: int, out: str, err: str, file: Path | str) -> None:
    assert (code, out) == (2, ""), err
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert str(file) in err and "Traceback" not in err


# --- the fuzz --------------------------------------------------------------------------------------------------------

SWAPS = [
    None,
    True,
    False,
    0,
    -7,
    2.5,
    "",
    "x",
    "*",
    [],
    {},
    [1, "a"],
    {"a": 1},
    [{"Effect": "Deny"}],
    {"Statement": 5},
]
# Mutations after which no reader may accept the file; the others may leave it valid.
ALWAYS_BAD = {"nan", "deep", "huge-int", "duplicate-key", "bad-byte", "truncated", "empty"}
MARK = "\u0000mark\u0000"


def paths(value, path: tuple = ()) -> Iterator[tuple]:
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from paths(child, (*path, key))


def at(document, path: tuple):
    for key in path:
        document = document[key]
    return document


def mutated(document: dict, rng: random.Random, focus: Callable[[tuple], bool]) -> tuple[bytes, str]:
    """`document` with one mutation, as bytes, and the mutation's name; `focus` picks the paths tried most."""
    document = copy.deepcopy(document)
    every = [p for p in paths(document) if p]
    near = [p for p in every if focus(p)] or every
    path = rng.choice(near if rng.random() < 0.8 else every)
    kind = rng.choice(
        [
            "swap",
            "swap",
            "swap",
            "swap",
            "delete",
            "add-key",
            "nan",
            "deep",
            "huge-int",
            "duplicate-key",
            "bad-byte",
            "truncated",
            "empty",
        ]
    )
    parent = at(document, path[:-1])
    if kind == "swap":
        parent[path[-1]] = copy.deepcopy(rng.choice(SWAPS))
    elif kind == "delete":
        del parent[path[-1]]
    elif kind == "add-key":
        node = at(document, path) if isinstance(at(document, path), dict) else parent
        if isinstance(node, dict):
            node[rng.choice(["Statement", "Condition", "Principal", "denyRule", "kind", "oldState", "extra"])] = (
                copy.deepcopy(rng.choice(SWAPS))
            )
    elif kind == "nan":
        parent[path[-1]] = float(rng.choice(["nan", "inf", "-inf"]))
    elif kind in ("deep", "huge-int"):
        parent[path[-1]] = MARK
    elif kind == "duplicate-key":
        objects = [p for p in near if isinstance(at(document, p), dict) and at(document, p)] or [()]
        node = at(document, rng.choice(objects))
        node[MARK] = 1
    text = json.dumps(document)
    if kind == "deep":
        text = text.replace(json.dumps(MARK), "[" * 3000 + "]" * 3000)
    elif kind == "huge-int":
        text = text.replace(json.dumps(MARK), "9" * 5000)
    elif kind == "duplicate-key":
        text = text.replace(json.dumps(MARK), json.dumps(next(iter(node))))
    data = text.encode()
    if kind == "bad-byte":  # json.dumps writes ASCII, so none of these bytes can be part of a UTF-8 character
        offset = rng.randrange(len(data))
        data = data[:offset] + bytes([rng.choice([0xFF, 0xC3, 0x80, 0xFE])]) + data[offset:]
    elif kind == "truncated":
        data = data[: rng.randrange(len(data) - 1)]
    elif kind == "empty":
        data = rng.choice([b"", b"  \n"])
    return data, kind


def in_a_policy_or_resource(path: tuple) -> bool:
    return len(path) >= 2 and path[0] == "resources" and (len(path) < 4 or path[2] == "inputs")


@pytest.mark.slow
def test_fuzzed_plans_and_previews_exit_0_1_or_2_with_one_paragraph(plan_file, tmp_path, capsys):
    rng = random.Random(14)
    plan = json.loads(plan_file.read_text())
    schema = Draft202012Validator(SCHEMA)
    exits = {0: 0, 1: 0, 2: 0}
    for number in range(240):
        data, kind = mutated(plan, rng, in_a_policy_or_resource)
        bad = tmp_path / f"plan-{kind}.json"  # one file per mutation, rewritten: 240 plans would be 50 MB
        bad.write_bytes(data)
        pair = [str(plan_file), str(bad)] if rng.random() < 0.7 else [str(bad), str(plan_file)]
        code, out, err = run(capsys, "diff", *pair, "--format", ("text", "markdown", "json")[number % 3])
        exits[code] = exits.get(code, 0) + 1
        if code == 2:
            assert_one_error(code, out, err, bad)
        else:
            assert kind not in ALWAYS_BAD and code in (0, 1) and err == "", (number, kind, code, err)
            assert schema.is_valid(json.loads(data)), f"case {number}: accepted, yet not a plan of schema version 1"
    previews = [json.loads(path.read_text()) for path in PREVIEWS]
    for number in range(160):
        data, kind = mutated(rng.choice(previews), rng, lambda path: path[0] == "steps")
        bad = tmp_path / f"preview-{kind}.json"
        bad.write_bytes(data)
        code, out, err = run(capsys, "review", str(bad))
        exits[code] = exits.get(code, 0) + 1
        if code == 2:
            assert_one_error(code, out, err, bad)
        else:
            # Accepted: exit 1 exactly when the review gate fails on what was read (a delete, replace or weakening).
            gate = review_findings(load_preview(str(bad))).gate_fails
            assert kind not in ALWAYS_BAD and code == int(gate) and err == "", (number, kind, code, err)
            assert out.startswith("## Pulumi preview review"), (number, kind)
    # Both outcomes are exercised: the mutations are neither all refused nor all harmless.
    assert exits[2] > 150 and exits[0] + exits[1] > 60, exits


# --- named cases: the exact message ------------------------------------------------------------------------------


def edited(plan: dict, edit: Callable[[dict], object]) -> str:
    plan = copy.deepcopy(plan)
    edit(plan)
    return json.dumps(plan)


def policy_resource(plan: dict) -> int:
    """The first resource whose `policy` input is a policy document with a list of statements."""
    return next(n for n, r in enumerate(plan["resources"]) if isinstance(r["inputs"].get("policy"), dict))


def set_in_policy(plan: dict, key: str, value: object) -> None:
    plan["resources"][policy_resource(plan)]["inputs"]["policy"]["Statement"][0][key] = value


PLAN_CASES = [
    # (name, the bad file's content from the plan (str or bytes), the message after "error: FILE: ")
    (
        "statement-a-number",
        lambda p: edited(p, lambda d: d["resources"][policy_resource(d)]["inputs"]["policy"].update(Statement=5)),
        "at resources/{n}/inputs/policy/Statement: a number (5); a policy's Statement is an object or a list of objects; "
        + MAKE_ONE,
    ),
    (
        "statement-a-string",
        lambda p: edited(p, lambda d: d["resources"][policy_resource(d)]["inputs"]["policy"].update(Statement="Deny")),
        'at resources/{n}/inputs/policy/Statement: a string ("Deny"); a policy\'s Statement is an object or a list of objects; '
        + MAKE_ONE,
    ),
    (
        "condition-null",
        lambda p: edited(p, lambda d: set_in_policy(d, "Condition", None)),
        'at resources/{n}/inputs/policy/Statement/0/Condition: null; a Condition is an object of operators, such as {{"Bool": {{…}}}}, '
        "or absent; " + MAKE_ONE,
    ),
    (
        "action-an-object",
        lambda p: edited(p, lambda d: set_in_policy(d, "Action", {"s3": "*"})),
        'at resources/{n}/inputs/policy/Statement/0/Action: an object ({{"s3": "*"}}); Action is a string or a list of strings; '
        + MAKE_ONE,
    ),
    (
        "principal-a-list",
        lambda p: edited(p, lambda d: set_in_policy(d, "Principal", ["arn:aws:iam::111122223333:root"])),
        'at resources/{n}/inputs/policy/Statement/0/Principal: a list (["arn:aws:iam::111122223333:root"]); a Principal is "*" or an '
        'object such as {{"AWS": ["arn:…"]}} of strings or lists of strings; ' + MAKE_ONE,
    ),
    (
        "effect-lower-case",
        lambda p: edited(p, lambda d: set_in_policy(d, "Effect", "deny")),
        'at resources/{n}/inputs/policy/Statement/0/Effect: a string ("deny"); Effect is "Allow" or "Deny"; '
        + MAKE_ONE,
    ),
    (
        "policy-as-json-text",
        lambda p: edited(
            p,
            lambda d: d["resources"][policy_resource(d)]["inputs"].update(
                policy=json.dumps(d["resources"][policy_resource(d)]["inputs"]["policy"])
            ),
        ),
        "at resources/{n}/inputs/policy: a policy document written as JSON text; `hardened plan` writes policy documents as objects; "
        + MAKE_ONE,
    ),
    (
        "urn-twice",
        lambda p: edited(p, lambda d: d["resources"].append(copy.deepcopy(d["resources"][1]))),
        "at resources/{last}/urn: the URN {urn1} is also the URN of resources/1; each resource has its own; "
        + MAKE_ONE,
    ),
    (
        "protect-a-string",
        lambda p: edited(p, lambda d: d["resources"][0].update(protect="false")),
        "not a valid plan document of schema version 1: at resources/0/protect: 'false' is not of type 'boolean'; "
        + MAKE_ONE,
    ),
    (
        "nan",
        lambda p: edited(p, lambda d: d["resources"][1]["inputs"].update(days=float("nan"))),
        "at resources/1/inputs/days: NaN is not a JSON number; JSON numbers are finite; " + MAKE_ONE,
    ),
    (
        "infinity",
        lambda p: edited(p, lambda d: d["outputs"].update(days=float("-inf"))),
        "at outputs/days: -Infinity is not a JSON number; JSON numbers are finite; " + MAKE_ONE,
    ),
    (
        "1e400",
        lambda p: edited(p, lambda d: d.update(stack="\u0000")).replace('"\\u0000"', "1e400"),
        "at stack: the number 1e400 is too large for a double; numbers must be finite; " + MAKE_ONE,
    ),
    (
        "5000-digits",
        lambda p: edited(p, lambda d: d["outputs"].update(big="\u0000")).replace('"\\u0000"', "7" * 5000),
        "at outputs/big: an integer of 5,000 digits; at most 40 are read; " + MAKE_ONE,
    ),
    (
        "3000-deep",
        lambda p: edited(p, lambda d: d["outputs"].update(deep="\u0000")).replace('"\\u0000"', "[" * 3000 + "]" * 3000),
        "is nested deeper than 64 levels, the most this reads; " + MAKE_ONE,
    ),
    (
        "100-deep",
        lambda p: edited(p, lambda d: d["outputs"].update(deep="\u0000")).replace('"\\u0000"', "[" * 100 + "]" * 100),
        "at outputs/deep/0/0/0/0/0/0/0/0/0/0/… (65 levels): nested deeper than 64 levels, the most this reads; "
        + MAKE_ONE,
    ),
    (
        "duplicate-key",
        lambda p: edited(p, lambda d: d["resources"][2].update({"\u0000": 1})).replace('"\\u0000"', '"name"'),
        'at resources/2: the key "name" is given twice; each key once per object; ' + MAKE_ONE,
    ),
    (
        "lone-surrogate",
        lambda p: edited(p, lambda d: d["outputs"].update(note="\ud800")),
        "at outputs/note: a string holds an unpaired UTF-16 surrogate (\\ud800-\\udfff escapes must come in pairs); "
        + MAKE_ONE,
    ),
    (
        "not-utf-8",
        lambda p: b'{"schema_version": 1,\n "project": "caf\xe9"}',
        "is not UTF-8 text (byte 0xe9 at line 2, column 17); JSON files are read as UTF-8, or as UTF-16/32",
    ),
    ("empty", lambda p: "", "is empty; " + MAKE_ONE),
    ("whitespace", lambda p: " \n\t", "is empty; " + MAKE_ONE),
    (
        "not-json",
        lambda p: "Plan of stack prod\n",
        "not JSON (Expecting value at line 1, column 1); diff reads the JSON format of the plan, not its text or markdown; "
        + MAKE_ONE,
    ),
]


@pytest.mark.parametrize(("case", "content", "expected"), PLAN_CASES, ids=[c[0] for c in PLAN_CASES])
def test_each_bad_plan_is_named_with_its_path(plan_file, tmp_path, capsys, case, content, expected):
    plan = json.loads(plan_file.read_text())
    bad = tmp_path / "head.json"
    data = content(plan)
    bad.write_bytes(data if isinstance(data, bytes) else data.encode())
    message = expected.format(n=policy_resource(plan), last=len(plan["resources"]), urn1=plan["resources"][1]["urn"])
    for argv in ([str(plan_file), str(bad)], [str(bad), str(plan_file)]):
        for format_ in ("text", "markdown", "json"):
            assert run(capsys, "diff", *argv, "--format", format_) == (2, "", f"error: {bad}: {message}\n")


def test_a_missing_file_and_a_directory_are_named(plan_file, tmp_path, capsys):
    missing = tmp_path / "nowhere.json"
    assert run(capsys, "diff", str(plan_file), str(missing)) == (2, "", f"error: {missing}: no such file; {MAKE_ONE}\n")
    assert run(capsys, "diff", str(tmp_path), str(plan_file)) == (
        2,
        "",
        f"error: {tmp_path}: is a directory, not a plan file; {MAKE_ONE}\n",
    )


def test_a_plan_that_is_json_text_with_a_byte_order_mark_or_in_utf16_is_read(plan_file, tmp_path, capsys):
    text = plan_file.read_text()
    for name, data in (("bom.json", b"\xef\xbb\xbf" + text.encode()), ("utf16.json", text.encode("utf-16"))):
        (tmp_path / name).write_bytes(data)
        code, out, err = run(capsys, "diff", str(plan_file), str(tmp_path / name))
        assert (code, err) == (0, "") and out.startswith("no change in stack prod")


def test_an_empty_condition_list_is_a_weakening_not_a_crash(plan_file, tmp_path, capsys):
    """Schema-valid and within IAM's grammar, so compared: a numeric bound left with no value denies nothing."""
    head = json.loads(plan_file.read_text())
    resource, statement, operator = next(
        (r, s, op)
        for r in head["resources"]
        for s in _statements(r["inputs"])
        if s["Effect"] == "Deny"
        for op in s.get("Condition", {})
        if op.startswith("Numeric")
    )
    key = next(iter(statement["Condition"][operator]))
    statement["Condition"][operator][key] = []
    (tmp_path / "head.json").write_text(json.dumps(head))
    code, out, err = run(capsys, "diff", str(plan_file), str(tmp_path / "head.json"))
    assert (code, err) == (1, "")
    assert f"{resource['name']}: " in out and f".Condition.{operator}.{key} " in out


def _statements(value) -> Iterator[dict]:
    if isinstance(value, dict):
        if isinstance(value.get("Statement"), list):
            yield from (s for s in value["Statement"] if isinstance(s, dict))
        for child in value.values():
            yield from _statements(child)
    elif isinstance(value, list):
        for child in value:
            yield from _statements(child)


# --- review ------------------------------------------------------------------------------------------------------


def preview_with(edit: Callable[[dict], object]) -> str:
    preview = json.loads((ROOT / "tests/fixtures/previews/object-lock-shortened.json").read_text())
    edit(preview)
    return json.dumps(preview)


def update_step(preview: dict) -> dict:
    return next(s for s in preview["steps"] if s["op"] == "update" and s.get("detailedDiff"))


def kms_policy(preview: dict, statement: object) -> None:
    step = update_step(preview)
    step["newState"]["inputs"]["policy"] = json.dumps({"Version": "2012-10-17", "Statement": statement})


REVIEW_CASES = [
    (
        "kind-not-a-string",
        lambda: preview_with(lambda p: next(iter(update_step(p)["detailedDiff"].values())).update(kind=5)),
        "is not the output of `pulumi preview --json`: steps[{step}].detailedDiff{key}.kind is a number (5); a kind is one of add, "
        "add-replace, delete, delete-replace, update, update-replace, addReplace, deleteReplace, updateReplace. "
        + PREVIEW_HINT,
    ),
    (
        "diff-reasons-a-number",
        lambda: preview_with(lambda p: update_step(p).update(diffReasons=3)),
        "is not the output of `pulumi preview --json`: steps[{step}].diffReasons is a number (3); it is a list of property names "
        "(strings). " + PREVIEW_HINT,
    ),
    (
        "protect-a-string",
        lambda: preview_with(lambda p: update_step(p)["oldState"].update(protect="false")),
        'is not the output of `pulumi preview --json`: steps[{step}].oldState.protect is a string ("false"); protect is true or false. '
        + PREVIEW_HINT,
    ),
    (
        "statement-a-number-in-json-text",
        lambda: preview_with(lambda p: kms_policy(p, 5)),
        "is not the output of `pulumi preview --json`: steps[{step}].newState.inputs.policy is JSON text of a policy document, at "
        "Statement: a number (5); a policy's Statement is an object or a list of objects. " + PREVIEW_HINT,
    ),
    (
        "condition-null-in-json-text",
        lambda: preview_with(lambda p: kms_policy(p, [{"Effect": "Deny", "Action": "*", "Condition": None}])),
        "is not the output of `pulumi preview --json`: steps[{step}].newState.inputs.policy is JSON text of a policy document, at "
        'Statement/0/Condition: null; a Condition is an object of operators, such as {{"Bool": {{…}}}}, or absent. '
        + PREVIEW_HINT,
    ),
    (
        "diagnostics-a-string",
        lambda: preview_with(lambda p: p.update(diagnostics="none")),
        'is not the output of `pulumi preview --json`: diagnostics is a string ("none"); it is a list of diagnostics. '
        + PREVIEW_HINT,
    ),
    (
        "negative-count",
        lambda: preview_with(lambda p: p.update(changeSummary={"update": -1})),
        "is not the output of `pulumi preview --json`: changeSummary.update is a number (-1); a count is a whole number, 0 or more. "
        + PREVIEW_HINT,
    ),
    (
        "nan",
        lambda: preview_with(lambda p: update_step(p)["newState"]["inputs"].update(days=float("nan"))),
        "is not the output of `pulumi preview --json`: at steps[{step}].newState.inputs.days: NaN is not a JSON number; JSON numbers "
        "are finite. " + PREVIEW_HINT,
    ),
    (
        "5000-digits",
        lambda: preview_with(lambda p: p.update(duration="\u0000")).replace('"\\u0000"', "1" * 5000),
        "is not the output of `pulumi preview --json`: at duration: an integer of 5,000 digits; at most 40 are read. "
        + PREVIEW_HINT,
    ),
    (
        "3000-deep",
        lambda: preview_with(lambda p: p.update(config="\u0000")).replace('"\\u0000"', "[" * 3000 + "]" * 3000),
        "is nested deeper than 64 levels, the most this reads. " + PREVIEW_HINT,
    ),
    (
        "duplicate-key",
        lambda: preview_with(lambda p: p.update({"\u0000": 1})).replace('"\\u0000"', '"steps"'),
        'is not the output of `pulumi preview --json`: at the top level: the key "steps" is given twice; each key once per object. '
        + PREVIEW_HINT,
    ),
    (
        "not-utf-8",
        lambda: b'{"steps": []}\n\x80',
        "is not UTF-8 text (byte 0x80 at line 2, column 1); JSON files are read as UTF-8, or as UTF-16/32. "
        + PREVIEW_HINT,
    ),
    ("empty", lambda: "", "is not JSON (it is empty). " + JSON_HINT),
]


@pytest.mark.parametrize(("case", "content", "expected"), REVIEW_CASES, ids=[c[0] for c in REVIEW_CASES])
def test_each_bad_preview_is_named_with_its_path(tmp_path, capsys, case, content, expected):
    preview = json.loads((ROOT / "tests/fixtures/previews/object-lock-shortened.json").read_text())
    step = preview["steps"].index(update_step(preview))
    key = format_path(["x", next(iter(update_step(preview)["detailedDiff"]))])[1:]  # `.name`, or `["a.b"]`
    bad = tmp_path / "preview.json"
    data = content()
    bad.write_bytes(data if isinstance(data, bytes) else data.encode())
    assert run(capsys, "review", str(bad)) == (2, "", f"error: {bad} {expected.format(step=step, key=key)}\n")


def test_review_of_a_missing_file_or_a_directory(tmp_path, capsys):
    tail = "Pass the file written by `pulumi preview --json > preview.json`, or - to read it from standard input.\n"
    missing = tmp_path / "nowhere.json"
    assert run(capsys, "review", str(missing)) == (
        2,
        "",
        f"error: cannot read the preview {missing}: No such file or directory. {tail}",
    )
    assert run(capsys, "review", str(tmp_path)) == (
        2,
        "",
        f"error: cannot read the preview {tmp_path}: Is a directory. {tail}",
    )


def test_property_paths_with_odd_indexes_are_keys_not_crashes():
    assert parse_path("a[²]") == ["a", "²"]
    assert parse_path("a[" + "9" * 5000 + "]") == ["a", "9" * 5000]
    assert parse_path("a[12]") == ["a", 12]


# --- deploy and posture ------------------------------------------------------------------------------------------


def test_deploy_refuses_a_stack_named_twice_and_an_empty_selection(capsys):
    assert run(capsys, "deploy", "--dry-run", "--stacks", "prod", "dev", "prod", "--project-dir", str(ROOT)) == (
        2,
        "",
        "error: --stacks names prod more than once; name each stack once\n",
    )
    assert run(capsys, "deploy", "--dry-run", "--stacks", "--project-dir", str(ROOT)) == (
        2,
        "",
        "error: no stack to deploy: name one or more after --stacks, or leave --stacks out for every stack file "
        "(stacks: dev, org, prod, staging)\n",
    )


def test_posture_of_a_failing_program_is_one_line_without_a_traceback(tmp_path, capsys):
    (tmp_path / "stacks").mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks/__main__.py").write_text('raise RuntimeError("boom")\n')
    (tmp_path / "stacks/Pulumi.broken.yaml").write_text("config:\n  hardened-accounts:kind: environment\n")
    assert run(capsys, "posture", "--stack", "broken", "--project-dir", str(tmp_path)) == (
        1,
        "",
        "error: the plan of stack 'broken' failed: the program of stack 'broken' failed: RuntimeError: boom. "
        "`hardened plan --stack broken` shows where.\n",
    )
