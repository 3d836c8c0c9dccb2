"""The players endpoints (API.md, "Players"): reads as a viewset, writes through services."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from hiscores.usernames import InvalidUsername, normalise

from ..models import Player
from ..selectors import player_by_name
from ..tracking import player_fetch_now, player_track, player_untrack, player_update
from .serializers import (
    FetchQueuedSerializer,
    PlayerCreateSerializer,
    PlayerSerializer,
    PlayerUpdateSerializer,
)


class PlayerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Part of the name")

    class Meta:
        model = Player
        fields = ["is_active", "status", "game_mode"]

    def filter_search(self, queryset, name, value):
        try:
            return queryset.filter(username_key__contains=normalise(value))
        except InvalidUsername:
            return queryset.none()


@extend_schema_view(
    list=extend_schema(summary="List tracked players"),
    retrieve=extend_schema(summary="Show a player"),
    create=extend_schema(
        summary="Track a player",
        request=PlayerCreateSerializer,
        responses={201: PlayerSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a player's schedule",
        request=PlayerUpdateSerializer,
        responses={200: PlayerSerializer},
    ),
    destroy=extend_schema(summary="Stop tracking a player and delete its history (staff)"),
)
class PlayerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Player.objects.all()
    serializer_class = PlayerSerializer
    filterset_class = PlayerFilter
    lookup_field = "username"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action == "destroy":
            return [IsAuthenticated(), IsAdminUser()]
        return [IsAuthenticated()]

    def get_object(self) -> Player:
        player = player_by_name(self.kwargs["username"])
        self.check_object_permissions(self.request, player)
        return player

    def create(self, request):
        data = PlayerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        player = player_track(**data.validated_data)
        return Response(PlayerSerializer(player).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, username: str):
        player = self.get_object()
        data = PlayerUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        player = player_update(player=player, **data.validated_data)
        return Response(PlayerSerializer(player).data)

    def perform_destroy(self, instance: Player) -> None:
        player_untrack(player=instance)

    @extend_schema(
        summary="Fetch a player now",
        request=None,
        responses={202: FetchQueuedSerializer},
    )
    @action(detail=True, methods=["post"])
    def fetch(self, request, username: str):
        task_id = player_fetch_now(player=self.get_object())
        return Response({"task_id": task_id, "status": "queued"}, status=status.HTTP_202_ACCEPTED)
