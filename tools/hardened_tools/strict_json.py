"""JSON files read strictly, for every command that reads one (`hardened diff`, `review`, `posture`).

Python's `json` module accepts what no tool of ours writes and what the readers cannot safely walk; this
reader refuses it, and says where:
- a file missing, a directory, unreadable, larger than MAX_BYTES, or empty;
- bytes that are not UTF-8 (or UTF-16/32 with or without a byte-order mark, as PowerShell redirection writes);
- NaN and Infinity, and numbers too large for a double (`1e400`);
- integers longer than MAX_INTEGER_DIGITS digits (Python refuses past 4,300 with a ValueError, far too late);
- a key given twice in one object (Python keeps the last silently);
- nesting deeper than MAX_DEPTH (the readers walk documents recursively);
- strings holding an unpaired UTF-16 surrogate (`"\\ud800"`), which cannot be printed as UTF-8.
Values are located by their path from the top of the document, as a list of keys and list positions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MAX_BYTES = 128 * 1024 * 1024  # prod's plan is 0.23 MB: room for a fleet stack of hundreds of workloads
MAX_DEPTH = 64  # the plans and previews of this repository nest 11 levels at most
MAX_INTEGER_DIGITS = 40  # far more than any cloud value (int64 has 19 digits), far less than Python's 4,300

PathSegment = str | int


class JsonReadError(ValueError):
    """Why a file or text is not read. `problem` does not name the file: each command names it, with its own hint.

    `kind` is one of: missing, directory, unreadable, too-large, empty, encoding, syntax, value. Syntax errors
    carry `message`, `line` and `column`; value errors carry `path`, the keys and positions down to the value;
    file errors carry the system's `message`.
    """

    def __init__(
        self,
        kind: str,
        problem: str,
        *,
        path: Sequence[PathSegment] | None = None,
        message: str = "",
        line: int = 0,
        column: int = 0,
    ):
        super().__init__(problem)
        self.kind, self.problem, self.path = kind, problem, tuple(path) if path is not None else None
        self.message, self.line, self.column = message, line, column

    def describe(self, where: Callable[[Sequence[PathSegment]], str] | None = None) -> str:
        """The problem, after the value's path written by `where` (default: `pointer`) when it has one."""
        if self.path is None:
            return self.problem
        return f"at {(where or pointer)(self.path) if self.path else 'the top level'}: {self.problem}"


def pointer(path: Sequence[PathSegment]) -> str:
    """`resources/3/inputs/policy`: keys and positions joined by `/` (JSON Pointer escapes), on one line."""
    segments = [shown_text(str(s).replace("~", "~0").replace("/", "~1"), 60) for s in path]
    if len(segments) > 16:  # a path down a deep nest: where it starts is what helps
        segments = [*segments[:12], f"… ({len(segments)} levels)"]
    return "/".join(segments) or "the top level"


def shown_text(text: str, limit: int = 80) -> str:
    """`text` for an error message: on one line (control and invisible characters escaped) and at most `limit` long."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def described(value: Any) -> str:
    """A JSON value as an error message shows it: its kind and, shortened, the value itself."""
    if value is None:
        return "null"
    kind = (
        "a boolean"
        if isinstance(value, bool)
        else "a number"
        if isinstance(value, int | float)
        else "a string"
        if isinstance(value, str)
        else "a list"
        if isinstance(value, list)
        else "an object"
    )
    return f"{kind} ({shown_text(json.dumps(value, ensure_ascii=False, sort_keys=True), 60)})"


# --- reading -----------------------------------------------------------------------------------------------------


def read_bytes(source: str | Path, stdin: Any = None) -> bytes:
    """The bytes of file `source` ("-": `stdin`, a binary stream), at most MAX_BYTES; JsonReadError otherwise."""
    if str(source) == "-" and stdin is not None:
        data = stdin.read(MAX_BYTES + 1)
    else:
        path = Path(source)
        try:
            with path.open("rb") as file:
                data = file.read(MAX_BYTES + 1)
        except OSError as error:  # `message` keeps the system's words: "No such file or directory", ...
            kind = {FileNotFoundError: "missing", IsADirectoryError: "directory"}.get(type(error), "unreadable")
            problem = {"missing": "no such file", "directory": "is a directory, not a file"}.get(kind, "cannot be read")
            reason = error.strerror or str(error)
            raise JsonReadError(
                kind, problem if kind != "unreadable" else f"{problem} ({reason})", message=reason
            ) from None
    if len(data) > MAX_BYTES:
        raise JsonReadError("too-large", f"is larger than {MAX_BYTES:,} bytes, the most this reads")
    return data


def load_file(source: str | Path, stdin: Any = None) -> Any:
    """The JSON document in file `source` ("-": `stdin`), read strictly (see the module); JsonReadError otherwise."""
    return loads(read_bytes(source, stdin))


def loads(data: bytes | str) -> Any:
    """`data` parsed strictly (see the module); JsonReadError says what is wrong, and where."""
    if isinstance(data, bytes | bytearray):
        decoded, text = True, _decoded(data)
    else:
        decoded, text = False, data
    if len(text) > MAX_BYTES:
        raise JsonReadError("too-large", f"is longer than {MAX_BYTES:,} characters, the most this reads")
    text = text.removeprefix("\ufeff")
    if not text.strip(" \t\n\r"):  # JSON's whitespace only
        raise JsonReadError("empty", "is empty")
    try:
        document = json.loads(
            text, parse_constant=_constant, parse_int=_integer, parse_float=_float, object_pairs_hook=_object
        )
    except json.JSONDecodeError as error:
        raise JsonReadError(
            "syntax",
            f"is not JSON ({error.msg} at line {error.lineno}, column {error.colno})",
            message=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:  # the C parser stops at Python's recursion limit (1,000), long before the C stack
        raise JsonReadError("value", f"is nested deeper than {MAX_DEPTH} levels, the most this reads") from None
    # Decoded bytes hold no lone surrogate; only a \ud800 escape makes one. Text passed in may hold one as it is.
    _check(document, surrogates=bool(_SURROGATE_ESCAPE.search(text) or (not decoded and _LONE_SURROGATE.search(text))))
    return document


def _decoded(data: bytes | bytearray) -> str:
    encoding = json.detect_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding.startswith("utf-8"):
            before = data[: error.start]
            line = before.count(b"\n") + 1
            column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
            problem = f"is not UTF-8 text (byte 0x{data[error.start]:02x} at line {line}, column {column})"
        else:
            problem = f"starts as {encoding.upper()} text but is not (at byte {error.start:,})"
        raise JsonReadError("encoding", f"{problem}; JSON files are read as UTF-8, or as UTF-16/32") from None


# --- what the parser hands back for refused values, found with their path by _check ---------------------------


class _Refused:
    def __init__(self, problem: str):
        self.problem = problem


class _DuplicateKey(dict):
    duplicate = ""


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a JSON number; JSON numbers are finite")


def _integer(digits: str) -> int | _Refused:
    count = len(digits) - digits.startswith("-")
    if count > MAX_INTEGER_DIGITS:
        return _Refused(f"an integer of {count:,} digits; at most {MAX_INTEGER_DIGITS} are read")
    return int(digits)


def _float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        return _Refused(f"the number {shown_text(text, 40)} is too large for a double; numbers must be finite")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict:
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    seen: set[str] = set()
    duplicate = ""
    for key, _ in pairs:  # the first key given twice
        if key in seen:
            duplicate = key
            break
        seen.add(key)
    marked = _DuplicateKey(document)
    marked.duplicate = duplicate
    return marked


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _check(document: Any, surrogates: bool) -> None:
    """Raise JsonReadError for the first refused value, in document order. Iterative: no recursion on deep input."""
    stack: list[tuple[Any, int, tuple | None]] = [(document, 0, None)]  # value, depth, (parent trail, key)
    while stack:
        value, depth, trail = stack.pop()
        if depth > MAX_DEPTH:
            raise JsonReadError(
                "value", f"nested deeper than {MAX_DEPTH} levels, the most this reads", path=_path(trail)
            )
        if isinstance(value, dict):
            if isinstance(value, _DuplicateKey):
                raise JsonReadError(
                    "value",
                    f'the key "{shown_text(value.duplicate)}" is given twice; each key once per object',
                    path=_path(trail),
                )
            if surrogates:
                for key in value:
                    if _LONE_SURROGATE.search(key):
                        raise JsonReadError(
                            "value",
                            "a key holds an unpaired UTF-16 surrogate (\\ud800-\\udfff escapes must come in pairs)",
                            path=_path((trail, key)),
                        )
            stack.extend((child, depth + 1, (trail, key)) for key, child in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((value[n], depth + 1, (trail, n)) for n in range(len(value) - 1, -1, -1))
        elif isinstance(value, _Refused):
            raise JsonReadError("value", value.problem, path=_path(trail))
        elif surrogates and isinstance(value, str) and _LONE_SURROGATE.search(value):
            raise JsonReadError(
                "value",
                "a string holds an unpaired UTF-16 surrogate (\\ud800-\\udfff escapes must come in pairs)",
                path=_path(trail),
            )


def _path(trail: tuple | None) -> tuple[PathSegment, ...]:
    keys = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    return tuple(reversed(keys))
