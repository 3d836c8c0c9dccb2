"""The players endpoints (docs/api.md, "Players"): reads as a viewset, writes through services."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from api.conditional import conditional_read
from hiscores.usernames import InvalidUsername, normalise

from ..conditional import listed_version
from ..models import Player
from ..selectors import player_by_name
from ..tracking import player_fetch_now, player_track, player_untrack, player_update
from .listing import LISTED, UnfilteredPages
from .serializers import (
    FetchQueuedSerializer,
    PlayerCreateSerializer,
    PlayerSerializer,
    PlayerUpdateSerializer,
    page_rows,
)
from .throttles import PlayerAddThrottle, PlayerFetchThrottle


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


# The errors each operation raises itself (401 and 429 come from api.schema).
_403 = OpenApiResponse(description="permission_denied: staff only.")
_404 = OpenApiResponse(description="player_not_found: no tracked player has that name.")
_422 = OpenApiResponse(description="validation_error: `details` names each bad field.")


@extend_schema_view(
    list=extend_schema(
        summary="List tracked players",
        responses={
            200: PlayerSerializer,
            304: OpenApiResponse(
                description="Not Modified: the page is the one whose ETag was sent in "
                "If-None-Match."
            ),
            422: _422,
        },
    ),
    retrieve=extend_schema(summary="Show a player", responses={200: PlayerSerializer, 404: _404}),
    create=extend_schema(
        summary="Track a player",
        request=PlayerCreateSerializer,
        responses={
            201: PlayerSerializer,
            409: OpenApiResponse(description="player_already_tracked, under any spelling."),
            422: OpenApiResponse(
                description="validation_error (`details` names each bad field), or "
                "player_not_on_hiscores."
            ),
            429: OpenApiResponse(
                description="add_quota_reached (PLAYER_ADD_DAILY_QUOTA a day) or throttled; "
                "`Retry-After` and `details.retry_after` say when to ask again."
            ),
            502: OpenApiResponse(
                description="hiscores_unavailable: they did not answer, or not within "
                "PLAYER_ADD_DEADLINE_SECONDS. Nothing is stored."
            ),
        },
    ),
    partial_update=extend_schema(
        summary="Change a player's schedule (staff)",
        request=PlayerUpdateSerializer,
        responses={200: PlayerSerializer, 403: _403, 404: _404, 422: _422},
    ),
    destroy=extend_schema(
        summary="Stop tracking a player and delete its history (staff)",
        responses={204: None, 403: _403, 404: _404},
    ),
)
class PlayerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    # The list reads only the columns it shows, as rows (serializers.page_rows).
    queryset = LISTED
    serializer_class = PlayerSerializer
    filterset_class = PlayerFilter
    lookup_field = "username"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action in ("partial_update", "destroy"):
            return [IsAuthenticated(), IsAdminUser()]
        return [IsAuthenticated()]

    def get_throttles(self):
        # These two spend the shared hiscores budget: each user gets a share.
        own = {"create": PlayerAddThrottle, "fetch": PlayerFetchThrottle}.get(self.action)
        throttles = super().get_throttles()
        return [*throttles, own()] if own else throttles

    @conditional_read(listed_version)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        # Most lists ask for no filter: building the filter form and the queries
        # for nothing cost most of such a read (bench/load.py).
        if self.request.query_params.keys().isdisjoint(PlayerFilter.base_filters):
            return UnfilteredPages()
        return page_rows(super().filter_queryset(queryset))

    def get_object(self) -> Player:
        player = player_by_name(self.kwargs["username"])
        self.check_object_permissions(self.request, player)
        return player

    def create(self, request):
        data = PlayerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        player = player_track(**data.validated_data, added_by=request.user)
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
        responses={
            202: FetchQueuedSerializer,
            404: _404,
            429: OpenApiResponse(
                description="fetched_too_recently (FETCH_COOLDOWN_SECONDS) or throttled "
                "(PLAYER_FETCH_THROTTLE_RATE); `Retry-After` and `details.retry_after` say "
                "when to ask again."
            ),
            503: OpenApiResponse(description="queue_unavailable: nothing was queued."),
        },
    )
    @action(detail=True, methods=["post"])
    def fetch(self, request, username: str):
        task_id = player_fetch_now(player=self.get_object())
        return Response({"task_id": task_id, "status": "queued"}, status=status.HTTP_202_ACCEPTED)
