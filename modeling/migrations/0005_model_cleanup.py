from django.db import migrations, models


def copy_history_cleanup(apps, schema_editor):
    """Give each existing model the clean-up its history has now: the best
    guess of what it learned with, since nothing older was kept."""
    ModelVersion = apps.get_model("modeling", "ModelVersion")
    for version in ModelVersion.objects.select_related("dataset").iterator():
        columns = set(version.feature_columns)
        history = version.dataset
        version.cleanup = {
            "merges": {c: g for c, g in history.merges.items() if c in columns},
            "kept_values": {
                c: v for c, v in history.kept_values.items() if c in columns
            },
        }
        version.save(update_fields=["cleanup"])


class Migration(migrations.Migration):
    dependencies = [
        ("modeling", "0004_retraining_comparison_drift_audit"),
        ("datasets", "0002_cleaning_and_join"),
    ]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="cleanup",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(copy_history_cleanup, migrations.RunPython.noop),
    ]
