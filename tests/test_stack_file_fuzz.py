"""Fuzzed stack files: every bad one is refused before anything is declared, with the file named, and never a traceback.

Seeded and bounded: each case is a shipped stack file (org, prod, dev) with one mutation, at a random place, of a
kind a user or a bad merge makes: a value of another type or shape, a YAML surprise (`yes`, `035`, `1:30`, a date,
a tag, an alias), a misspelled, missing or repeated key, a non-ASCII digit, a huge number, a stray byte, a cut-off
file, deep nesting. A mutation that is still a valid stack must plan (or be refused by a deploy-readiness rule,
which names the rule); anything else must raise a HardenedError naming the stack file, with nothing but the stack
resource declared. A sample also goes through the CLI: exit 2, nothing on stdout, one `error:` paragraph.
"""

import copy
import random
import shutil
import signal
from pathlib import Path

import pytest
import yaml

from hardened.errors import HardenedError
from hardened_tools.cli import main
from hardened_tools.plan import build_plan, find_project, run_stack
from hardened_tools.plan.deploy_rules import PlanNotDeployable, check_deployable

ROOT = Path(__file__).resolve().parent.parent
SEED = 14
CASES = 240
CLI_EVERY = 8
CASE_SECONDS = 60  # a case that takes longer is hanging (an unresolved output once kept a plan waiting for ever)
SOURCES = ("org", "prod", "dev")

BAD_SCALARS = [
    "yes",
    "no",
    "on",
    "off",
    "035",
    "0o17",
    "0x1f",
    "1:30",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "~",
    "null",
    "[]",
    "{}",
    "-1",
    "0",
    "1.5",
    ".nan",
    ".inf",
    "-.inf",
    "99999999999999999999",
    "9" * 5000,
    '"*"',
    '"１１１１２２２２３３３３"',
    '"eu-west-١"',
    "us-wset-2",
    '"cron(x x x x x x)"',
    "!!binary aGVsbG8=",
    "!!python/object:os.system {}",
    "&a [*a]",
    "*missing",
    '"' + "x" * 300 + '"',
    '""',
    '" "',
    "[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]",
    "true",
    "false",
    "[1, 2, 3]",
    "{a: 1}",
    '"arn:aws:iam::*:role/*"',
    "o-*",
    '"\\u0000"',
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copy(ROOT / "Pulumi.yaml", root)
    shutil.copytree(ROOT / "stacks", root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _leaf_paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, (*path, key))
    elif isinstance(node, list) and node:
        for index, value in enumerate(node):
            yield from _leaf_paths(value, (*path, index))
    else:
        yield path


def _mapping_paths(node, path=()):
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from _mapping_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _mapping_paths(value, (*path, index))


def _at(node, path):
    for step in path:
        node = node[step]
    return node


MARK = "FUZZ-MARK-3c1d"


def _with_raw(document: dict, path: tuple, raw: str) -> str:
    """`document` dumped with the value at `path` replaced by the raw YAML text `raw`."""
    _at(document, path[:-1])[path[-1]] = MARK
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=10_000)
    return text.replace(MARK, raw, 1)


def mutate(text: str, rng: random.Random) -> tuple[str | bytes, str]:
    """One mutation of a stack file's text, and what it was."""
    document = yaml.safe_load(text)
    kind = rng.choice(
        ["scalar", "scalar", "scalar", "delete", "unknown-key", "duplicate-key", "bytes", "truncate", "nesting"]
    )
    if kind == "scalar":
        path = rng.choice(list(_leaf_paths(document)))
        raw = rng.choice(BAD_SCALARS)
        return _with_raw(document, path, raw), f"{'.'.join(map(str, path))} = {raw[:40]}"
    if kind == "delete":
        path = rng.choice([p for p in _leaf_paths(document) if p and isinstance(p[-1], str)] or [("config",)])
        del _at(document, path[:-1])[path[-1]]
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True), f"delete {'.'.join(map(str, path))}"
    if kind == "unknown-key":
        path = rng.choice([p for p in _mapping_paths(document) if _at(document, p)])
        mapping = _at(document, path)
        key = rng.choice(list(mapping))
        typo = f"{key}s" if rng.random() < 0.5 else key[:-1]
        mapping[typo] = copy.deepcopy(mapping[key])  # a shared object would be dumped as an anchor and alias
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True), f"add {'.'.join(map(str, (*path, typo)))}"
    if kind == "duplicate-key":
        lines = text.splitlines(keepends=True)
        candidates = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith(("#", "-"))]
        index = rng.choice(candidates)
        lines.insert(
            index + 1,
            lines[index] if lines[index].rstrip().endswith(":") is False else lines[index].replace(":", ": {}", 1),
        )
        return "".join(lines), f"repeat line {index + 1}"
    if kind == "bytes":
        data = text.encode()
        at = rng.randrange(len(data))
        return data[:at] + rng.choice([b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80"]) + data[at:], f"byte at {at}"
    if kind == "truncate":
        at = rng.randrange(1, len(text))
        return text[:at], f"truncate at {at}"
    depth = rng.choice([25, 200, 3000])
    path = rng.choice(list(_leaf_paths(document)))
    return _with_raw(document, path, "[" * depth + "1" + "]" * depth), f"nesting {depth} at {'.'.join(map(str, path))}"


def _cases():
    rng = random.Random(SEED)
    texts = {name: (ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text() for name in SOURCES}
    for number in range(CASES):
        source = SOURCES[number % len(SOURCES)]
        content, what = mutate(texts[source], rng)
        yield number, source, content, what


def _write(project: Path, stack: str, content) -> None:
    path = project / "stacks" / f"Pulumi.{stack}.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


def _hanging(*_):
    raise TimeoutError(f"still running after {CASE_SECONDS} s")


@pytest.mark.slow
def test_fuzzed_stack_files(project, capsys):
    """Every mutation is planned or refused cleanly; failures are listed together, with the mutation that caused each."""
    failures, refused, planned = [], 0, 0
    previous = signal.signal(signal.SIGALRM, _hanging)
    org_file = project / "stacks" / "Pulumi.org.yaml"
    original_org = org_file.read_bytes()
    for number, source, content, what in _cases():
        # An organization-stack mutation is planned as the `org` file itself, so environment stacks read the shipped one.
        stack = "org" if source == "org" else f"fuzz{number}"
        _write(project, stack, content)
        registered: dict = {}
        signal.alarm(CASE_SECONDS)
        try:
            run = run_stack(find_project(project), stack, registrations=registered)
            try:
                check_deployable(build_plan(run))
            except PlanNotDeployable:
                pass  # named by its rule; the plan ran
            planned += 1
        except HardenedError as error:
            refused += 1
            declared = sorted({r.type for r in registered.values()} - {"pulumi:pulumi:Stack"})
            message = str(error)
            if declared:
                failures.append(f"#{number} {source} [{what}]: refused after declaring {declared[:3]}: {message[:200]}")
            elif f"Pulumi.{stack}.yaml" not in message:
                failures.append(f"#{number} {source} [{what}]: the refusal does not name the file: {message[:200]}")
            if number % CLI_EVERY == 0:
                code = main(["plan", "--stack", stack, "--project-dir", str(project)])
                out, err = capsys.readouterr()
                if (code, out) != (2, "") or "Traceback" in err or not err.startswith("error: "):
                    failures.append(
                        f"#{number} {source} [{what}]: CLI exit {code}, stdout {out[:60]!r}, stderr {err[:200]!r}"
                    )
        except Exception as error:  # noqa: BLE001 - the point: nothing else may escape
            failures.append(f"#{number} {source} [{what}]: {type(error).__name__}: {str(error)[:200]}")
        finally:
            signal.alarm(0)
            if source == "org":
                org_file.write_bytes(original_org)
            else:
                (project / "stacks" / f"Pulumi.{stack}.yaml").unlink()
    signal.signal(signal.SIGALRM, previous)
    assert not failures, f"{len(failures)} of {CASES} fuzzed stack files were mishandled:\n" + "\n".join(failures)
    assert refused > CASES // 2, (
        f"only {refused} of {CASES} mutations were refused: the fuzzer is not finding bad input"
    )
    assert planned > 0, "no mutation was a valid stack: the fuzzer is only testing refusals"
