from django.urls import path

from .views import (
    CompetitionDetailView,
    CompetitionListView,
    GroupAchievementsView,
    GroupDetailView,
    GroupGainsView,
    GroupHiscoresView,
    GroupListView,
    GroupMembersView,
    GroupMemberView,
    GroupRecordsView,
    GroupStatisticsView,
)

urlpatterns: list = [
    path("groups", GroupListView.as_view(), name="group-list"),
    path("groups/<slug:slug>", GroupDetailView.as_view(), name="group-detail"),
    path("groups/<slug:slug>/members", GroupMembersView.as_view(), name="group-members"),
    path(
        "groups/<slug:slug>/members/<str:username>",
        GroupMemberView.as_view(),
        name="group-member",
    ),
    path("groups/<slug:slug>/gains", GroupGainsView.as_view(), name="group-gains"),
    path("groups/<slug:slug>/hiscores", GroupHiscoresView.as_view(), name="group-hiscores"),
    path("groups/<slug:slug>/records", GroupRecordsView.as_view(), name="group-records"),
    path(
        "groups/<slug:slug>/achievements",
        GroupAchievementsView.as_view(),
        name="group-achievements",
    ),
    path("groups/<slug:slug>/statistics", GroupStatisticsView.as_view(), name="group-statistics"),
    path("competitions", CompetitionListView.as_view(), name="competition-list"),
    path("competitions/<int:id>", CompetitionDetailView.as_view(), name="competition-detail"),
]
