"""S3: buckets, objects, bucket policies and bucket settings — reads, writes and their
declarations.

One module per kind of thing: :mod:`~devops_agent.aws.s3.buckets` (the bucket model,
listing, and what every bucket operation shares), :mod:`~devops_agent.aws.s3.create_delete`
(creating and deleting buckets), :mod:`~devops_agent.aws.s3.configuration` (reading a
bucket's settings: the one reader ``s3 describe``, the previews and the audit share),
:mod:`~devops_agent.aws.s3.objects` (keys, downloads), :mod:`~devops_agent.aws.s3.uploads`
(uploads and their way back), :mod:`~devops_agent.aws.s3.policy` (and
:mod:`~devops_agent.aws.s3.tls_policy`, its TLS deny),
:mod:`~devops_agent.aws.s3.access_control` (ACLs), :mod:`~devops_agent.aws.s3.account_block`
(the account's Block Public Access), :mod:`~devops_agent.aws.s3.protection` (versioning,
default encryption, public access block), :mod:`~devops_agent.aws.s3.settings` (tags, and
every setting at once), :mod:`~devops_agent.aws.s3.lifecycle` and
:mod:`~devops_agent.aws.s3.access_logging`. :mod:`~devops_agent.aws.s3.changes` holds what
every change shares (its region, its declared requests, sending exactly those) and
:mod:`~devops_agent.aws.s3.restore` the way back of every setting change. This package
re-exports their public names, so ``from devops_agent.aws import s3`` then
``s3.list_buckets(...)`` keeps working, and joins their operations in the order ``help``
lists them.
"""

from __future__ import annotations

from devops_agent.aws.s3 import (
    access_control,
    access_logging,
    account_block,
    buckets,
    create_delete,
    lifecycle,
    objects,
    policy,
    protection,
    restore,
    settings,
    tls_policy,
    uploads,
)
from devops_agent.aws.s3.access_control import *  # noqa: F403
from devops_agent.aws.s3.access_logging import *  # noqa: F403
from devops_agent.aws.s3.account_block import *  # noqa: F403
from devops_agent.aws.s3.buckets import *  # noqa: F403
from devops_agent.aws.s3.changes import *  # noqa: F403
from devops_agent.aws.s3.configuration import *  # noqa: F403
from devops_agent.aws.s3.create_delete import *  # noqa: F403
from devops_agent.aws.s3.lifecycle import *  # noqa: F403
from devops_agent.aws.s3.objects import *  # noqa: F403
from devops_agent.aws.s3.policy import *  # noqa: F403
from devops_agent.aws.s3.protection import *  # noqa: F403
from devops_agent.aws.s3.restore import *  # noqa: F403
from devops_agent.aws.s3.settings import *  # noqa: F403
from devops_agent.aws.s3.tls_policy import *  # noqa: F403
from devops_agent.aws.s3.uploads import *  # noqa: F403

OPERATIONS = (
    buckets.LIST,
    objects.LIST,
    settings.DESCRIBE,
    create_delete.CREATE,
    create_delete.DELETE,
    uploads.UPLOAD,
    objects.DOWNLOAD,
    *policy.OPERATIONS,
    *tls_policy.OPERATIONS,
    *protection.OPERATIONS,
    *access_control.OPERATIONS,
    *account_block.OPERATIONS,
    *(op for op in settings.OPERATIONS if op is not settings.DESCRIBE),
    *lifecycle.OPERATIONS,
    *access_logging.OPERATIONS,
    *restore.OPERATIONS,
    uploads.DELETE_OBJECT,
)
