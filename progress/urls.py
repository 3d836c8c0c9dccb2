from django.urls import path

from .achievement_views import PlayerAchievementsView
from .bests_views import PlayerRecordsView, RecordsLeaderboardView
from .efficiency_views import EfficiencyLeaderboardView, PlayerEfficiencyView
from .views import BossProgressView, HistoryView, LeaderboardView, SkillProgressView

urlpatterns: list = [
    path("players/<str:username>/history", HistoryView.as_view(), name="player-history"),
    path(
        "players/<str:username>/history/skills/<str:skill>",
        SkillProgressView.as_view(),
        name="player-skill-progress",
    ),
    path(
        "players/<str:username>/history/bosses/<str:boss>",
        BossProgressView.as_view(),
        name="player-boss-progress",
    ),
    path(
        "players/<str:username>/achievements",
        PlayerAchievementsView.as_view(),
        name="player-achievements",
    ),
    path(
        "players/<str:username>/efficiency",
        PlayerEfficiencyView.as_view(),
        name="player-efficiency",
    ),
    path(
        "leaderboards/efficiency/<str:measure>",
        EfficiencyLeaderboardView.as_view(),
        name="efficiency-leaderboard",
    ),
    path("leaderboards/<str:metric>", LeaderboardView.as_view(), name="leaderboard"),
    path("players/<str:username>/records", PlayerRecordsView.as_view(), name="player-records"),
    path(
        "leaderboards/records/<str:metric>",
        RecordsLeaderboardView.as_view(),
        name="records-leaderboard",
    ),
]
