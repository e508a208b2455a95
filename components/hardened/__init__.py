"""hardened-accounts: Pulumi components that keep backups out of reach of one stolen password."""

__version__ = "0.1.0"
