"""Deterministic, realistically shaped stand-ins for values that exist only after deployment.

Every value is derived from a hash of the resource's URN, so the same program always prints the same
plan. Each generated fragment (account id, UUID, name suffix) is remembered as an atom, which lets
the plan mark any input that carries one as computed.
"""

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(r"[\w-]+")


@dataclass
class Placeholders:
    """Generates placeholders and remembers every fragment it made up."""

    atoms: set[str] = field(default_factory=set)
    adopted: set[str] = field(default_factory=set)

    def digest(self, *parts: str) -> str:
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def account_id(self, *seed: str) -> str:
        return self._atom(f"{int(self.digest('account', *seed), 16) % 10**12:012d}")

    def uuid(self, *seed: str) -> str:
        return self._atom(str(uuid.UUID(hex=self.digest("uuid", *seed)[:32], version=4)))

    def hex_id(self, prefix: str, length: int, *seed: str) -> str:
        return self._atom(prefix + self.digest("hex", prefix, *seed)[:length])

    def digits(self, kind: str, length: int, *seed: str) -> str:
        """A number of `length` digits, as GCP numbers its folders, alert policies and transfer jobs."""
        return self._atom(str(int(self.digest(kind, *seed), 16))[:length])

    def autoname(self, name: str, urn: str, lowercase: bool = False, separator: str = "-") -> str:
        """Pulumi's auto-name: the logical name plus a dash and seven random hex digits."""
        value = f"{name}-{self.digest('autoname', urn)[:7]}"
        value = value.lower() if lowercase else value
        return self._atom(value.replace("-", separator))

    def unique_suffix(self, prefix: str, *seed: str) -> str:
        """Terraform's PrefixedUniqueId, which some AWS resources use for ids: prefix plus 26 digits."""
        return self._atom(prefix + f"{int(self.digest('unique', prefix, *seed), 16) % 10**26:026d}")

    def iam_unique_id(self, prefix: str, *seed: str) -> str:
        """IAM's stable ids (AROA... for roles, ANPA... for policies): prefix plus 17 upper-case characters."""
        return self._atom(prefix + base64.b32encode(bytes.fromhex(self.digest("iam", prefix, *seed)))[:17].decode())

    def ou_id(self, *seed: str) -> str:
        """An organizational unit id: ou-, 4 and then 8 lower-case letters or digits."""
        digest = self.digest("ou", *seed)
        return self._atom(f"ou-{digest[:4]}-{digest[4:12]}")

    def version_id(self, *seed: str) -> str:
        """AWS Backup's plan version: base64 text of a UUID (letters and digits only)."""
        return self._atom(base64.b64encode(self.uuid("version", *seed).encode()).decode())

    def project_number(self, project_id: str) -> str:
        """A GCP project's number (gcp_project_number), remembered as a placeholder."""
        return self._atom(gcp_project_number(project_id))

    def adopt(self, value: Any, known: set[str] | frozenset[str] = frozenset()) -> None:
        """Treat every string in `value` as a placeholder: values another stack's plan made up.

        The strings in `known` are not: another stack's plan says only which of its outputs carry a
        placeholder, not where, so an output's known parts (a region, a given name) must be named here.
        """
        for string in string_leaves(value) - known:
            if string:
                self.adopted.add(string)

    def contains_atom(self, value: Any) -> bool:
        """Whether `value` (any JSON-like structure) carries a generated fragment."""
        if isinstance(value, str):
            return any(token in self.atoms for token in TOKEN.findall(value)) or any(
                _occurs_as_tokens(adopted, value) for adopted in self.adopted
            )
        if isinstance(value, dict):
            return any(self.contains_atom(v) for v in value.values())
        if isinstance(value, list):
            return any(self.contains_atom(v) for v in value)
        return False

    def _atom(self, value: str) -> str:
        self.atoms.add(value)
        return value


def gcp_project_number(project_id: str) -> str:
    """A project's placeholder number, from its id alone: the project's own plan and another stack's lookups of its
    service agents name the same number, as GCP would."""
    return str(int(hashlib.sha256(f"number:{project_id}".encode()).hexdigest(), 16))[:12]


def string_leaves(value: Any) -> set[str]:
    """Every string in a JSON-like value (dict keys aside)."""
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return set().union(*(string_leaves(item) for item in items))


def _occurs_as_tokens(part: str, text: str) -> bool:
    """Whether `part` is in `text` as whole tokens, as generated fragments are matched: a region adopted from
    another stack must not mark a vault named `prod-eu-central-1-vault`."""
    start = text.find(part)
    while start != -1:
        end = start + len(part)
        glued_before = start > 0 and TOKEN.fullmatch(text[start - 1] + part[0])
        glued_after = end < len(text) and TOKEN.fullmatch(part[-1] + text[end])
        if not glued_before and not glued_after:
            return True
        start = text.find(part, start + 1)
    return False
