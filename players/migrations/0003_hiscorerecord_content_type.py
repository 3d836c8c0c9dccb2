"""A database from before records moved to players has their content type under
hiscores: relabel it, so admin history and any permissions granted on records
keep pointing at them. A new database has none to move (post_migrate creates it)."""

from django.db import migrations


def _relabel(apps, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    if not content_types.filter(app_label=new, model="hiscorerecord").exists():
        content_types.filter(app_label=old, model="hiscorerecord").update(app_label=new)


def to_players(apps, schema_editor) -> None:
    _relabel(apps, old="hiscores", new="players")


def to_hiscores(apps, schema_editor) -> None:
    _relabel(apps, old="players", new="hiscores")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("players", "0002_fetch_outcome_deferred"),
    ]

    operations = [migrations.RunPython(to_players, to_hiscores, elidable=True)]
