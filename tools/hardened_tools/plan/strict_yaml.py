"""Stack files read strictly: what YAML 1.1 (PyYAML, the offline plan) and YAML 1.2 (the Pulumi CLI) would read
differently, or what no stack file needs, is refused with the file, line and column, instead of guessed.

Refused:
- a key given twice in one mapping (YAML keeps the last silently);
- plain scalars the two YAML versions read differently: `yes`, `no`, `on`, `off` (booleans to PyYAML, strings in
  1.2), integers with a leading zero such as `035` (octal 29 in 1.1, 35 in 1.2), sexagesimal numbers such as
  `1:30` (90 in 1.1): quote them, or write `true`, `false`, `35`;
- anchors, aliases and explicit tags (`!!binary`, `!!python/...`): no stack file needs them, and aliases are how a
  small file expands into a huge one;
- nesting deeper than MAX_DEPTH, files larger than MAX_BYTES, integers longer than MAX_INTEGER_DIGITS digits;
- digits that are not ASCII (full-width `１２`, Arabic-Indic `٣`) in a plain scalar that otherwise reads as a number;
- bytes that are not UTF-8 (the line and column of the first one are named).
Timestamps are never resolved: an unquoted `2026-12-01` stays the string it looks like, as the CLI passes it.
"""

import re
import unicodedata
from pathlib import Path

import yaml
from yaml.resolver import BaseResolver

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_INTEGER_DIGITS = 18

AMBIGUOUS_BOOLEANS = {"yes", "no", "on", "off"}  # PyYAML's YAML 1.1 booleans; YAML 1.2 reads them as strings
LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
INTEGER = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
FLOAT = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]+([eE][-+]?[0-9]+)?$")
BOOLEAN = re.compile(r"^(true|false|True|False|TRUE|FALSE)$")
NULL = re.compile(r"^(~|null|Null|NULL|)$")


class StrictYamlError(ValueError):
    """A stack file that is not read, and why, with its line and column (1-based)."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None):
        self.problem, self.line, self.column = problem, line, column
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}{problem}")


class _Resolver(BaseResolver):
    """YAML 1.2's core schema, minus what the two versions disagree on (refused in the composer below)."""


_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", BOOLEAN, list("tTfF"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", INTEGER, list("-+0123456789"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT, list("-+.0123456789"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", NULL, ["~", "n", "N", ""])


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    _Resolver,
):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _at(event, "aliases (*name) are not allowed in a stack file: write the value out")
        if getattr(event, "anchor", None):
            raise _at(event, f"anchors (&{event.anchor}) are not allowed in a stack file: write the value out")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":  # only an explicit tag sets it on an event
            raise _at(event, f"explicit tags ({tag}) are not allowed in a stack file")
        if isinstance(event, yaml.ScalarEvent) and event.style is None:
            _refuse_ambiguous(event)
        starts = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
        if starts:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _at(event, f"nested deeper than {MAX_DEPTH} levels")
        node = super().compose_node(parent, index)
        if starts:
            self._depth -= 1
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, bool, float)) and key is not None:
                raise _at(key_node, "a key must be a plain value")
            if key in seen:
                first = seen[key]
                raise _at(
                    key_node,
                    f"key {key!r} is given twice in this mapping (first on line {first}): YAML would keep the last silently",
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _at(event_or_node, problem: str) -> StrictYamlError:
    mark = event_or_node.start_mark
    return StrictYamlError(problem, mark.line + 1, mark.column + 1)


def _refuse_ambiguous(event: yaml.ScalarEvent) -> None:
    value = event.value
    if value.lower() in AMBIGUOUS_BOOLEANS:
        raise _at(
            event,
            f"{value!r} is a boolean to some YAML readers and a string to others: write true or false, or quote it",
        )
    if LEADING_ZERO.match(value):
        raise _at(
            event,
            f"{value!r} has a leading zero, an octal number to some YAML readers: write {value.lstrip('+-0') or '0'}, or quote it",
        )
    if SEXAGESIMAL.match(value):
        raise _at(event, f"{value!r} is a base-60 number to some YAML readers: quote it")
    if any(c.isdigit() and not c.isascii() for c in value) and all(c.isdigit() or c in "-+._" for c in value):
        names = sorted({unicodedata.name(c, "?") for c in value if c.isdigit() and not c.isascii()})
        raise _at(event, f"{value!r} is written with digits that are not ASCII ({', '.join(names)}): use 0-9")
    if INTEGER.match(value) and len(value.lstrip("+-").replace("_", "")) > MAX_INTEGER_DIGITS:
        raise _at(event, f"an integer of more than {MAX_INTEGER_DIGITS} digits")


def load(path: Path) -> object:
    """The YAML document of `path`, read strictly; StrictYamlError says why not."""
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise StrictYamlError(f"is {len(data):,} bytes, over the {MAX_BYTES:,} a stack file may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise StrictYamlError(f"byte 0x{data[error.start]:02x} is not UTF-8", line, column) from None
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except (yaml.MarkedYAMLError, StrictYamlError):
        raise
    except (ValueError, OverflowError, TypeError) as error:
        raise StrictYamlError(f"cannot be read ({error})") from None
    finally:
        loader.dispose()
