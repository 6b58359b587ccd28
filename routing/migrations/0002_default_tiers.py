from django.db import migrations

from routing.models import DEFAULT_TIERS


def add_default_tiers(apps, schema_editor):
    Tier = apps.get_model("routing", "Tier")
    for name, low, colour, follow_up in DEFAULT_TIERS:
        Tier.objects.get_or_create(
            name=name,
            defaults={"min_probability": low, "colour": colour, "follow_up": follow_up},
        )


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(add_default_tiers, migrations.RunPython.noop)]
