"""Create the Marketer, Sales manager and Admin groups with their capabilities.

The role lists are copied here, not imported, so that this migration keeps
doing what it did when later code changes the roles; the post_migrate hook in
leadscore_site/groups.py brings the groups up to date after every migrate.
"""

from django.db import migrations

CAPABILITIES = {
    "export_leads": "Download leads and scored files as CSV",
    "manage_routing": "Change tiers, routing rules and webhooks; resend deliveries",
    "manage_schedule": "Schedule retraining",
    "manage_tokens": "Create and revoke API tokens",
    "prepare_data": "Upload lead histories and map their columns",
    "promote_models": "Choose which model version scores leads",
    "record_outcomes": "Record whether leads were won or lost",
    "score_leads": "Score new leads from a file or a form",
    "train_models": "Train models and follow training runs",
    "view_leads": "See ranked leads, lead pages and the call queue",
    "view_models": "See models, their quality and what drives conversion",
    "view_workers": "See the job queues and workers",
}
ROLES = {
    "Marketer": ["prepare_data", "train_models", "view_models"],
    "Sales manager": ["view_leads", "score_leads", "record_outcomes", "export_leads"],
    "Admin": list(CAPABILITIES),
}


def create_groups(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    # Permissions are normally made after all migrations; made here, the
    # groups can hold them at once.
    content_type, _ = ContentType.objects.using(db).get_or_create(
        app_label="leadscore_site", model="capability"
    )
    for codename, name in CAPABILITIES.items():
        Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    for role, codenames in ROLES.items():
        group, _ = Group.objects.using(db).get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.using(db).filter(
                content_type=content_type, codename__in=codenames
            )
        )


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=list(ROLES)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leadscore_site", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
