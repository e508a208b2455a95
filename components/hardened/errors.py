"""Errors that mean "the input is wrong", as opposed to a bug.

They derive from `pulumi.RunError`, so the Pulumi CLI prints only the message (no stack trace),
and `hardened plan` prints the message and exits with status 2.
"""

import pulumi


class HardenedError(pulumi.RunError):
    """Bad input: the message names where it is and what is allowed."""


class StackConfigError(HardenedError):
    """A stack file's config is missing, malformed or out of range."""


class ComponentArgumentError(HardenedError):
    """A component was given an argument it cannot safely build."""

    def __init__(self, component: str, name: str, argument: str, problem: str):
        super().__init__(f"{component} '{name}': argument '{argument}' {problem}")
