"""hiscores is an integration: it keeps no tables, and migrations run one way,
as imports do (docs/architecture.md)."""

from __future__ import annotations

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

# Lowest first: an app's migrations may depend on its own and those below it.
LAYERS = ("hiscores", "players", "progress", "osrsdiff")


def test_hiscores_keeps_no_models():
    assert list(apps.get_app_config("hiscores").get_models()) == []


def test_migrations_depend_only_on_the_apps_below_them():
    # The graph a new database runs, and an upgraded one sees.
    graph = MigrationLoader(None).graph
    upward = [
        (node, parent)
        for node in graph.nodes
        if node[0] in LAYERS
        for parent in graph.node_map[node].parents
        if parent.key[0] in LAYERS and LAYERS.index(parent.key[0]) > LAYERS.index(node[0])
    ]
    assert upward == []
    assert not [node for node in graph.nodes if node[0] == "hiscores"]
