"""Leadscore's own permissions, one per capability of a role."""

from django.db import models

from leadscore_site.roles import CAPABILITIES


class Capability(models.Model):
    """Holds the capability permissions; it has no table.

    Django permissions need a model to belong to, and a model (rather than a
    bare content type) keeps `remove_stale_contenttypes` from deleting them.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = sorted(CAPABILITIES.items())

    def __str__(self) -> str:
        return "Leadscore capability"
