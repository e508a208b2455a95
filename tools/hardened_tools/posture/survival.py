"""Which copies survive one stolen credential, by what the services themselves enforce and who reaches what.

IAM decides who may call what; the facts below hold whatever IAM says, and are modelled here apart from it:
- S3 Object Lock, COMPLIANCE mode: no user, the root user included, deletes a locked object version or shortens
  its retention (Amazon S3 User Guide, "Locking objects with Object Lock", retention modes).
- AWS Backup Vault Lock, compliance mode, once its grace time is over: nobody deletes a recovery point before its
  retention ends, or changes or removes the lock (AWS Backup Developer Guide, "AWS Backup Vault Lock").
- A locked Cloud Storage retention policy: no object is deleted or replaced before its retention ends, and the
  policy can only be lengthened (Cloud Storage, "Bucket Lock").
- A logically air-gapped vault: compliance-locked from creation, encrypted by a key AWS owns.
None of them survives the account that holds it: the management account can close any member account, and AWS
deletes what a closed account holds after 90 days (Organizations API Reference, CloseAccount). Nor do they protect
a customer-managed key: whoever may re-policy a key and then delete it makes every copy it
encrypts unreadable. Below the management account the sealed key policies and the guardrail SCPs deny that to
every foothold (tests/test_copy_survival.py judges it with an independent IAM evaluator). The management account
can detach every SCP and take the break-glass roles over, and one GCP principal set (break-glass) is spared the
folder's deny policy: against those, only copies out of their reach or with no customer key survive.
"""

from dataclasses import dataclass

from hardened.stack_contract import AWS_OWNED, CopyExport

COMPLIANCE = "COMPLIANCE"


@dataclass(frozen=True)
class Foothold:
    """One stolen credential: the vendor it works at, where it holds power, and whether it can shred customer keys there."""

    name: str
    vendor: str
    reaches: frozenset[str]
    shreds_customer_keys: bool
    closes_accounts: bool = False


# `reaches` names the `where` of the copies export; the log-archive account holds no copy.
FOOTHOLDS = (
    Foothold(
        "a workload account (admin, root, deployer or break-glass)", "aws", frozenset({"workload account"}), False
    ),
    Foothold("the backup account (admin, root, deployer or break-glass)", "aws", frozenset({"backup account"}), False),
    Foothold(
        "the management account's admin",
        "aws",
        frozenset({"workload account", "backup account"}),
        True,
        closes_accounts=True,
    ),
    # A break-glass user assumes the break-glass role of every member account: as strong as break-glass in each.
    Foothold("a break-glass user (password and MFA)", "aws", frozenset({"workload account", "backup account"}), False),
    Foothold("any single GCP principal (break-glass included)", "gcp", frozenset({"backup project"}), True),
)


@dataclass(frozen=True)
class Verdict:
    """Whether one copy survives one foothold for its promised retention, and why."""

    copy: str
    survives: bool
    why: str


def verdict(copy: CopyExport, foothold: Foothold) -> Verdict:
    """The service-enforced verdict for one copy of the `copies` export against one foothold."""
    name = copy["copy"]
    if copy["vendor"] != foothold.vendor or copy["where"] not in foothold.reaches:
        return Verdict(name, True, "out of its reach")
    if foothold.closes_accounts:
        return Verdict(
            name, False, "it can close the account, and AWS deletes what a closed account holds after 90 days"
        )
    if copy["retentionMode"] != COMPLIANCE:
        return Verdict(name, False, "its lock can be lifted")
    if copy["key"] == AWS_OWNED:
        return Verdict(name, True, "compliance lock, no customer key to shred")
    if not foothold.shreds_customer_keys:
        return Verdict(name, True, "compliance lock, key sealed against it")
    return Verdict(name, False, "its customer-managed key can be re-policied and deleted")


def survivors(copies: list[CopyExport], foothold: Foothold) -> list[Verdict]:
    """Every copy's verdict against `foothold`, in the export's order."""
    return [verdict(copy, foothold) for copy in copies]
