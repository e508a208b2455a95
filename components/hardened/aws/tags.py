"""Tags with a security meaning: guardrail SCPs match on them, so removing one is itself denied."""

# Marks a KMS key that encrypts backups or logs; the workload guardrails deny destroying or re-policying it.
PROTECTED_KEY_TAG = "hardened-accounts:protects"
