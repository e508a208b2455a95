"""GCP components of hardened-accounts: the second vendor of the 3-2-1 rule."""
