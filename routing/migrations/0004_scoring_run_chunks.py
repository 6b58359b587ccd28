from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0003_scoring_api_and_deliveries"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoringrun",
            name="n_chunks",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="scoringrun",
            name="n_chunks_done",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
