"""Records name the two records a gain is measured between by when they were
fetched alone (`start_at`, `end_at`, kept as before): the foreign keys to them,
with their indexes and checks, cost more to write than anything read from them
(docs/architecture.md, "Records"). Every stored row keeps its figures."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("progress", "0004_records")]

    operations = [
        migrations.RemoveField(model_name="bestgain", name="start_record"),
        migrations.RemoveField(model_name="bestgain", name="end_record"),
    ]
