"""Keep the three role groups holding exactly the permissions of their role."""

import logging

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from leadscore_site.roles import ADMIN, ADMIN_MODEL_APPS, ROLE_CAPABILITIES

logger = logging.getLogger(__name__)


def sync_role_groups(using: str = "default", **kwargs) -> None:
    """Create the role groups if missing and set their permissions.

    The groups belong to the code: a change made to them in the admin site is
    undone at the next migrate. A company wanting other rights makes its own
    group.
    """
    for name, codenames in ROLE_CAPABILITIES.items():
        group, created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(role_permissions(name, codenames, using))
        if created:
            logger.info("Group %s: created with %d capabilities", name, len(codenames))


def role_permissions(name: str, codenames: list[str], using: str) -> list[Permission]:
    """Return the permissions a role's group should hold."""
    wanted = Q(content_type__app_label="leadscore_site", codename__in=codenames)
    if name == ADMIN:
        wanted |= Q(content_type__app_label__in=ADMIN_MODEL_APPS)
    return list(Permission.objects.using(using).filter(wanted))
