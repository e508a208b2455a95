"""What the stacks export for each other and for the reviewer tools: the one definition both sides read.

The environment stack's `copies` export lists every copy of its backups with the key that encrypts it;
`hardened posture` judges from it which copies survive which stolen credential.
"""

# The `key` of a copy in the copies export.
CUSTOMER_MANAGED = "customer-managed"  # a KMS or Cloud KMS key of ours: sealed, but a key whose policy can change
AWS_OWNED = "AWS-owned"  # nobody of ours holds it, so nobody of ours can shred it
