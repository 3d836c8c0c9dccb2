from django.urls import path

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
    path("leaderboards/<str:metric>", LeaderboardView.as_view(), name="leaderboard"),
]
