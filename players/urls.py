from django.urls import path
from rest_framework.routers import SimpleRouter

from .api.name_changes import NameChangeViewSet
from .api.players import PlayerViewSet
from .api.stats import PlayerStatsView, StatsBatchView

router = SimpleRouter(trailing_slash=False)
router.register("players", PlayerViewSet, basename="player")
router.register("name-changes", NameChangeViewSet, basename="name-change")

urlpatterns: list = [
    path("players/<str:username>/stats", PlayerStatsView.as_view(), name="player-stats"),
    path("stats", StatsBatchView.as_view(), name="stats-batch"),
    *router.urls,
]
