import logging

from django.db import migrations, models
from django.db.models import Count, Max

logger = logging.getLogger(__name__)


def keep_newest_per_external_id(apps, schema_editor):
    """Before the constraint, two requests at once could store one external
    ID twice. The newest lead is the one the app has been updating; older
    copies keep their scores and outcomes but lose the ID, so they no longer
    answer for it."""
    Lead = apps.get_model("routing", "Lead")
    repeated = (
        Lead.objects.exclude(external_id="")
        .values("external_id")
        .annotate(n=Count("id"), newest=Max("id"))
        .filter(n__gt=1)
    )
    for row in repeated:
        older = Lead.objects.filter(external_id=row["external_id"]).exclude(
            pk=row["newest"]
        )
        n_older = older.update(external_id="")
        logger.warning(
            "External ID %r was held by %s leads; kept it on lead %s only",
            row["external_id"],
            n_older + 1,
            row["newest"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0005_outcome_recorded_at"),
    ]

    operations = [
        migrations.RunPython(keep_newest_per_external_id, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="lead",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("external_id",),
                name="one_lead_per_external_id",
            ),
        ),
    ]
