"""How counts read in every rendering: "1 resource", "2 resources", "1 bucket blocks", "2 buckets block"."""


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`number` and the noun in the form it takes: "1 resource", "2 resources", "1 account or project"."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def agree(number: int, singular: str, plural: str) -> str:
    """The verb (or phrase) that agrees with `number`: agree(1, "blocks", "block") is "blocks"."""
    return singular if number == 1 else plural


def plural_s(number: int) -> str:
    """ "" for one, "s" for any other number: for notes written as "{n} more step{s}"."""
    return "" if number == 1 else "s"
