"""The names of the alarm path, derived from the alarm hub's name: the components that create them, the patterns that
watch them and the SCP that protects them all read them here."""


def alarm_topic_name(prefix: str) -> str:
    """The alarm hub's topic (its AlertTopic child)."""
    return f"{prefix}-alerts"


def forwarding_role_name(prefix: str) -> str:
    """The role every account's forwarding rules send events to the hub with."""
    return f"{prefix}-forwarder"
