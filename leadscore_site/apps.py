from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LeadscoreSiteConfig(AppConfig):
    name = "leadscore_site"
    verbose_name = "Leadscore"

    def ready(self) -> None:
        from leadscore_site.groups import sync_role_groups

        # After every app's migrate (and after a test database is flushed), so
        # the groups also hold permissions of models added since their
        # migration: each app's permissions exist only once its own signal ran.
        post_migrate.connect(sync_role_groups, dispatch_uid="leadscore-roles")
