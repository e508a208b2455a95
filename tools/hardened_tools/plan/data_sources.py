"""What the read-only data sources the library calls would answer, from where their provider points.

ANSWERS maps each function token to its answer; any other data source is beyond the offline plan
(`invoke_result` gives None and the monitor says so).
"""

import hashlib
from collections.abc import Callable

from .fragments import gcp_project_number
from .targeting import Target

# Google-managed service accounts a project's data sources name: Cloud Storage's (CMEK) and Storage Transfer's.
GCP_SERVICE_AGENTS = {
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": "gs-project-accounts.iam.gserviceaccount.com",
    "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount": "storage-transfer-service.iam.gserviceaccount.com",
}


def gcp_folder_logging_agent(folder: str) -> str:
    """The folder's Cloud Logging service agent, which every sink of the folder writes as ("Service agents":
    service-folder-FOLDER_NUMBER@gcp-sa-logging.iam.gserviceaccount.com)."""
    return f"service-folder-{folder.removeprefix('folders/')}@gcp-sa-logging.iam.gserviceaccount.com"


def _caller_identity(token: str, target: Target, role_arn: str | None, args: dict) -> dict:
    role = role_arn.rsplit("/", 1)[-1] if role_arn else "deployer"
    return {
        "id": target.account,
        "accountId": target.account,
        "arn": f"arn:aws:sts::{target.account}:assumed-role/{role}/pulumi",
        "userId": f"AROA{target.account}:pulumi",
    }


def _region(token: str, target: Target, role_arn: str | None, args: dict) -> dict:
    region = target.region or "us-east-1"
    return {
        "id": region,
        "region": region,
        "name": region,
        "endpoint": f"ec2.{region}.amazonaws.com",
        "description": region,
    }


def _partition(token: str, target: Target, role_arn: str | None, args: dict) -> dict:
    return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}


def _gcp_service_agent(token: str, target: Target, role_arn: str | None, args: dict) -> dict:
    """The agent of the provider's project: `service-<number>@...` or `project-<number>@...`, and its numeric subject id."""
    project = target.project or "project"
    number = gcp_project_number(project)
    subject = "1" + str(int(hashlib.sha256(f"subject:{token}:{project}".encode()).hexdigest(), 16))[:20]
    prefix = "project" if "Transfer" in token else "service"
    email = f"{prefix}-{number}@{GCP_SERVICE_AGENTS[token]}"
    return {
        "id": email,
        "email": email,
        "emailAddress": email,
        "member": f"serviceAccount:{email}",
        "subjectId": subject,
        "project": project,
    }


def _folder_settings(token: str, target: Target, role_arn: str | None, args: dict) -> dict | None:
    if not isinstance(args.get("folder"), str):
        return None
    folder = args["folder"].removeprefix("folders/")
    return {
        "id": f"folders/{folder}/settings",
        "name": f"folders/{folder}/settings",
        "folder": folder,
        "loggingServiceAccountId": gcp_folder_logging_agent(folder),
        "kmsServiceAccountId": "",
        "kmsKeyName": "",
        "storageLocation": "",
        "disableDefaultSink": False,
    }


Answer = Callable[[str, Target, "str | None", dict], "dict | None"]

ANSWERS: dict[str, Answer] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    **dict.fromkeys(GCP_SERVICE_AGENTS, _gcp_service_agent),
    "gcp:logging/getFolderSettings:getFolderSettings": _folder_settings,
}


def invoke_result(token: str, target: Target, role_arn: str | None, args: dict | None = None) -> dict | None:
    """Answers for the read-only data sources the library uses (`args`: what the program passed); None for any other."""
    answer = ANSWERS.get(token)
    return answer(token, target, role_arn, args or {}) if answer else None
