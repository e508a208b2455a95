"""Stack files are read strictly (tools/hardened_tools/plan/strict_yaml.py): what YAML 1.1 and 1.2 read differently,
or what expands or nests without bound, is refused with the file, line and column; exit 2, nothing on stdout."""

import shutil
from pathlib import Path

import pytest

from hardened_tools.cli import main
from hardened_tools.plan import strict_yaml

ROOT = Path(__file__).parent.parent
DEV = (ROOT / "stacks/Pulumi.dev.yaml").read_text()
PROD = (ROOT / "stacks/Pulumi.prod.yaml").read_text()


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


DUPLICATE = DEV.replace(
    "  hardened-accounts:region: eu-west-1\n",
    "  hardened-accounts:region: eu-west-1\n  hardened-accounts:region: us-east-1\n",
)
BOOLEAN = DEV.replace(
    "  hardened-accounts:region: eu-west-1\n",
    "  hardened-accounts:region: eu-west-1\n  hardened-accounts:backupAccount: no\n",
)
OCTAL = DEV.replace("    copyRetentionDays: 7\n", "    copyRetentionDays: 010\n")
SEXAGESIMAL = DEV.replace("    copyRetentionDays: 7\n", "    copyRetentionDays: 1:30\n")
ALIAS = DEV.replace(
    "  hardened-accounts:region: eu-west-1\n",
    "  hardened-accounts:region: &r eu-west-1\n  hardened-accounts:other: *r\n",
)
LAUGHS = "config:\n" + "".join(
    f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9 if i else ["lol"] * 9) + "]\n" for i in range(9)
)
TAG = DEV.replace("    copyRetentionDays: 7\n", "    copyRetentionDays: !!binary aGVsbG8=\n")
DEEP = DEV + "  hardened-accounts:deep: " + "[" * 30 + "1" + "]" * 30 + "\n"
HUGE = DEV.replace("    copyRetentionDays: 7\n", "    copyRetentionDays: " + "9" * 5000 + "\n")
FULL_WIDTH = DEV.replace("    copyRetentionDays: 7\n", "    copyRetentionDays: \uff17\n")

CASES = {
    "duplicate-key": (
        DUPLICATE,
        f"line {line_of(DUPLICATE, 'hardened-accounts:region: us-east-1')}, column 3: key 'hardened-accounts:region' is given "
        f"twice in this mapping (first on line {line_of(DUPLICATE, 'hardened-accounts:region: eu-west-1')})",
    ),
    "yaml-1.1-boolean": (
        BOOLEAN,
        "'no' is a boolean to some YAML readers and a string to others: write true or false, or quote it",
    ),
    "leading-zero": (OCTAL, "'010' has a leading zero, an octal number to some YAML readers: write 10, or quote it"),
    "base-60": (SEXAGESIMAL, "'1:30' is a base-60 number to some YAML readers: quote it"),
    "alias": (ALIAS, "anchors (&r) are not allowed in a stack file: write the value out"),
    "billion-laughs": (LAUGHS, "anchors (&l0) are not allowed in a stack file"),
    "explicit-tag": (TAG, "explicit tags (tag:yaml.org,2002:binary) are not allowed in a stack file"),
    "deep-nesting": (DEEP, "nested deeper than 20 levels"),
    "huge-integer": (HUGE, "an integer of more than 18 digits"),
    "full-width-digit": (FULL_WIDTH, "is written with digits that are not ASCII (FULLWIDTH DIGIT SEVEN): use 0-9"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize("case", CASES)
def test_what_yaml_readers_disagree_on_is_refused_with_its_place(capsys, project, case):
    text, expected = CASES[case]
    (project / "stacks/Pulumi.bad.yaml").write_text(text)
    code = main(["plan", "--stack", "bad", "--project-dir", str(project)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("error: stacks/Pulumi.bad.yaml: ") and expected in err, err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_byte_that_is_not_utf8_is_named_with_its_line(capsys, project):
    (project / "stacks/Pulumi.bad.yaml").write_bytes(DEV.encode().replace(b"eu-west-1", b"eu-west-\xff", 1))
    code = main(["plan", "--stack", "bad", "--project-dir", str(project)])
    out, err = capsys.readouterr()
    line = line_of(DEV, "eu-west-1")
    assert (code, out) == (2, "")
    assert err.startswith(f"error: stacks/Pulumi.bad.yaml: line {line}, column ") and "byte 0xff is not UTF-8" in err


def test_an_unquoted_date_stays_the_string_it_looks_like(tmp_path):
    """YAML 1.1 would make it a date object; the CLI passes the text, and so does the plan."""
    path = tmp_path / "s.yaml"
    path.write_text(PROD.replace('transferStartDate: "2026-12-01"', "transferStartDate: 2026-12-01"))
    assert strict_yaml.load(path)["config"]["hardened-accounts:gcp"]["transferStartDate"] == "2026-12-01"


def test_what_both_readers_agree_on_still_reads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "config:\n  a: true\n  b: 35\n  c: 0\n  d: -3\n  e: 1.5\n  f: null\n  g: 'yes'\n  h: \"035\"\n  i: [x, y]\n"
    )
    assert strict_yaml.load(path) == {
        "config": {"a": True, "b": 35, "c": 0, "d": -3, "e": 1.5, "f": None, "g": "yes", "h": "035", "i": ["x", "y"]}
    }


def test_a_file_too_large_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("config:\n" + "  # padding\n" * 100_000)
    with pytest.raises(strict_yaml.StrictYamlError, match="over the 1,000,000 a stack file may have"):
        strict_yaml.load(path)
