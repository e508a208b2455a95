"""BackupProject: the GCP project (in its own folder) that holds the off-site copies, and nothing else.

A folder of its own under the organization, so organization policies and IAM can fence the backups off
from every workload; a project in it with billing, no default network and the APIs the backup
components need; and a lien that refuses the project's deletion to everyone, the project owner included,
until someone with resourcemanager.projects.updateLiens removes it first. Pulumi can delete none of it,
and leaving the program does not disable an API the backups still use.

`folder_id` adopts an existing folder, and `adopt_project` the existing project `project_id`, with Pulumi's
`import` option instead of creating them (the provider imports a folder by folders/NUMBER, a project by its
project id, never its number: hashicorp/terraform-provider-google, resource_google_folder.go and
resource_google_project.go). The provider reads back the folder's display name and parent, and the project's
name, parent, billing account and labels. None of them forces a new resource, so a difference is an update:
another parent of the folder, or another folder of the project, is a *move*; another name a rename; another
billing account a relink. Give each as it really is. Only `project_id` forces a new project; the project stays
`deletion_policy: PREVENT`, protected and retained. `auto_create_network` acts only when a project is created:
an adopted project ignores it, and keeps the default network it may have.
"""

import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from ..arguments import Arguments
from ..documented import documented
from .identifiers import FOLDER_ID, PROJECT_ID
from .locked_bucket import checked_labels

DEFAULT_SERVICES = (
    "storage.googleapis.com",
    "cloudkms.googleapis.com",
    "storagetransfer.googleapis.com",
    "backupdr.googleapis.com",
    "privilegedaccessmanager.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
)
LIEN_ORIGIN = "hardened-accounts"
LIEN_REASON = "Holds the off-site backup copies; remove this lien deliberately before deleting the project."

ORGANIZATION_ID = re.compile(r"[1-9]\d{0,19}")
BILLING_ACCOUNT = re.compile(r"[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}")
RESTRICTED_IN_PROJECT_IDS = ("google", "null", "undefined", "ssl")
PROJECT_NAME = re.compile(r"(?:[^\W_]|[ '\"!-]){4,30}")
FOLDER_NAME = re.compile(r"[^\W_](?:[\w -]{0,28}[^\W_])?")  # letters, digits, space, '-', '_'; 30 at most
SERVICE = re.compile(r"[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)*\.googleapis\.com")


class BackupProjectArgs(TypedDict):
    """Arguments of BackupProject."""

    organization_id: str
    """Numeric id of the GCP organization the folder is created in."""
    billing_account: str
    """Billing account id, XXXXXX-XXXXXX-XXXXXX in upper-case hexadecimal."""
    project_id: str
    """Project id: 6 to 30 lower-case letters, digits or '-', starting with a letter, not ending in '-'."""
    folder_display_name: str
    """Display name of the folder: letters, digits, spaces, '-' or '_', 30 at most, starting and ending with a letter or digit."""
    project_name: NotRequired[str | None]
    """Display name of the project (4 to 30 characters); defaults to the project id."""
    services: NotRequired[list[str] | None]
    """APIs to enable, replacing the default list (Storage, KMS, Storage Transfer, Backup and DR, PAM, Logging, Monitoring)."""
    labels: NotRequired[dict[str, str] | None]
    """Labels for the project."""
    folder_id: NotRequired[str | None]
    """An existing folder to adopt (Pulumi import) instead of creating one, folders/NUMBER; its display name and parent must be folder_display_name and the organization."""
    adopt_project: NotRequired[bool | None]
    """Adopt the existing project project_id (Pulumi import) instead of creating it; its name, folder and billing account must be the ones given."""


@documented
class BackupProject(pulumi.ComponentResource):
    """A dedicated folder and project for backups, with a deletion lien and the APIs the backups need."""

    folder_id: pulumi.Output[str]
    """Resource name of the folder (folders/<number>)."""
    project_id: pulumi.Output[str]
    """The project's id."""
    project_number: pulumi.Output[str]
    """The project's number."""

    def __init__(self, name: str, args: BackupProjectArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("BackupProject", name, args, BackupProjectArgs)
        args = checked.args
        # Validate everything before registering anything, so bad input leaves nothing half-declared.
        organization_id, billing_account, project_id, folder_name, project_name = _validated(checked)
        services = _validated_services(checked)
        labels = checked_labels(checked)
        adopted_folder, adopted_project = _validated_adoption(checked)

        super().__init__("hardened:index:BackupProject", name, None, opts)

        # Nothing here may be deleted or replaced by Pulumi: the folder and project hold the backups, the lien guards them.
        guarded = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        folder = gcp.organizations.Folder(
            f"{name}-folder",
            parent=f"organizations/{organization_id}",
            display_name=folder_name,
            deletion_protection=True,
            # An existing folder is imported by its name, folders/NUMBER, never created.
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True, import_=adopted_folder),
        )
        # The folder's id is its name, folders/NUMBER, whether created or imported.
        folder_resource = folder.id
        project = gcp.organizations.Project(
            f"{name}-project",
            project_id=project_id,
            name=project_name,
            folder_id=folder_resource.apply(lambda name: name.removeprefix("folders/")),
            billing_account=billing_account,
            # The default network's permissive firewall rules have no place in a backup project.
            auto_create_network=False,
            deletion_policy="PREVENT",
            labels=labels,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=True,
                retain_on_delete=True,
                # An existing project is imported by its project id, never created.
                import_=project_id if adopted_project else None,
                # Acted on at creation only; the provider imports every project with true.
                ignore_changes=["autoCreateNetwork"] if adopted_project else None,
            ),
        )
        # The lien holds even against the project owner and outside Pulumi: projects.delete fails while it exists.
        gcp.resourcemanager.Lien(
            f"{name}-lien",
            parent=project.number.apply(lambda number: f"projects/{number}"),
            restrictions=["resourcemanager.projects.delete"],
            origin=LIEN_ORIGIN,
            reason=LIEN_REASON,
            opts=guarded,
        )
        for service in services:
            gcp.projects.Service(
                f"{name}-{service.removesuffix('.googleapis.com').replace('.', '-')}",
                project=project.project_id,
                service=service,
                # Dropping an API from the list must not switch it off under the backups that use it.
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.folder_id = folder_resource
        self.project_id = project.project_id
        self.project_number = project.number
        self.register_outputs(
            {"folderId": self.folder_id, "projectId": self.project_id, "projectNumber": self.project_number}
        )


def _validated(checked: Arguments[BackupProjectArgs]) -> tuple[str, str, str, str, str]:
    args = checked.args

    def matches(pattern: re.Pattern, value: object) -> bool:
        return isinstance(value, str) and pattern.fullmatch(value) is not None

    organization_id = args.get("organization_id")
    if not matches(ORGANIZATION_ID, organization_id):
        checked.refuse(
            "organization_id",
            f"must be the organization's numeric id, digits only, such as 123456789012 (got {organization_id!r})",
        )
    billing_account = args.get("billing_account")
    if not matches(BILLING_ACCOUNT, billing_account):
        checked.refuse(
            "billing_account", f"must look like 01AB23-45CD67-89EF01, upper-case hexadecimal (got {billing_account!r})"
        )
    project_id = args.get("project_id")
    if not matches(PROJECT_ID, project_id) or any(word in project_id for word in RESTRICTED_IN_PROJECT_IDS):
        checked.refuse(
            "project_id",
            "must be 6 to 30 lower-case letters, digits or '-', start with a letter, not end in '-', and contain none of "
            f"{', '.join(RESTRICTED_IN_PROJECT_IDS)} (got {project_id!r})",
        )
    folder_name = args.get("folder_display_name")
    if not matches(FOLDER_NAME, folder_name):
        checked.refuse(
            "folder_display_name",
            "must be at most 30 letters, digits, spaces, '-' or '_', starting and ending with a letter or digit "
            f"(got {folder_name!r})",
        )
    project_name = args.get("project_name")
    project_name = project_id if project_name is None else project_name
    if not matches(PROJECT_NAME, project_name):
        checked.refuse(
            "project_name",
            f"must be 4 to 30 letters, digits, spaces, hyphens, quotes or exclamation marks (got {project_name!r})",
        )
    return organization_id, billing_account, project_id, folder_name, project_name


def _validated_adoption(checked: Arguments[BackupProjectArgs]) -> tuple[str | None, bool]:
    args = checked.args
    folder_id = args.get("folder_id")
    if folder_id is not None and not (isinstance(folder_id, str) and FOLDER_ID.fullmatch(folder_id)):
        checked.refuse(
            "folder_id",
            f"must be an existing folder's name, folders/ and its number, such as folders/123456789012 (got {folder_id!r})",
        )
    adopt_project = args.get("adopt_project")
    if adopt_project is not None and not isinstance(adopt_project, bool):
        checked.refuse("adopt_project", f"takes true or false (got {adopt_project!r})")
    return folder_id, bool(adopt_project)


def _validated_services(checked: Arguments[BackupProjectArgs]) -> list[str]:
    services = checked.args.get("services")
    services = list(DEFAULT_SERVICES) if services is None else services
    if not isinstance(services, list) or not services:
        checked.refuse("services", f"takes a non-empty list of API names (got {services!r})")
    for service in services:
        if not (isinstance(service, str) and SERVICE.fullmatch(service)):
            checked.refuse("services", f"takes API names such as storage.googleapis.com (got {service!r})")
    duplicates = sorted({s for s in services if services.count(s) > 1})
    if duplicates:
        checked.refuse("services", f"names each API once (got {duplicates[0]!r} twice)")
    return list(services)
