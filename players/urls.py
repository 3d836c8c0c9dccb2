from django.urls import path
from rest_framework.routers import SimpleRouter

from .api.identity import FlagListView, FlagResolveView, GameModeChangesView
from .api.name_changes import NameChangeViewSet
from .api.players import PlayerViewSet
from .api.stats import PlayerStatsView, StatsBatchView

router = SimpleRouter(trailing_slash=False)
router.register("players", PlayerViewSet, basename="player")
router.register("name-changes", NameChangeViewSet, basename="name-change")

urlpatterns: list = [
    path("players/<str:username>/stats", PlayerStatsView.as_view(), name="player-stats"),
    path("stats", StatsBatchView.as_view(), name="stats-batch"),
    path(
        "players/<str:username>/game-mode-changes",
        GameModeChangesView.as_view(),
        name="player-game-mode-changes",
    ),
    path("flags", FlagListView.as_view(), name="flag-list"),
    path("flags/<int:id>/resolve", FlagResolveView.as_view(), name="flag-resolve"),
    *router.urls,
]
