"""Overall rank and level as 64-bit columns, like every other hiscores value: a
rank past 2^31 - 1 failed the fetch on PostgreSQL instead of being stored."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("players", "0003_hiscorerecord_content_type"),
    ]

    operations = [
        migrations.AlterField(
            model_name="hiscorerecord",
            name="overall_rank",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="hiscorerecord",
            name="overall_level",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
