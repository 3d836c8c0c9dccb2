"""Flags and game-mode changes over the API (docs/api.md, "Flags" and "Game modes"):
staff list and resolve flags as the admin does, through `players.flags`; anyone
reads a player's game-mode changes."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.params import QueryParams

from ..errors import FlagNotFound
from ..flags import flag_resolve_name_transfer, flag_resolve_rollback
from ..models import FlagKind, FlagStatus, GameModeChange, PlayerFlag
from ..selectors import player_by_name

_403 = OpenApiResponse(description="permission_denied: staff only.")


class FlagSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="player.username", read_only=True)
    archived_player = serializers.IntegerField(
        source="archived_player_id",
        allow_null=True,
        read_only=True,
        help_text="A name transfer: the archived player that took the old history.",
    )
    evidence = serializers.JSONField(
        help_text="hours_elapsed, falls {metric: {before, after}}, rose [metric], "
        "impossible_gains {metric: {gained, allowed}}, record_at, could_follow_record_at."
    )

    class Meta:
        model = PlayerFlag
        fields = [
            "id",
            "username",
            "kind",
            "status",
            "evidence",
            "created_at",
            "resolution",
            "resolved_at",
            "archived_player",
        ]


class FlagListParams(QueryParams):
    status = serializers.ChoiceField(choices=FlagStatus.choices, required=False)


class FlagListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsAdminUser]
    serializer_class = FlagSerializer

    def get_queryset(self):
        params = FlagListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        flags = PlayerFlag.objects.select_related("player").order_by("-created_at", "-pk")
        if "status" in params.validated_data:
            flags = flags.filter(status=params.validated_data["status"])
        return flags

    @extend_schema(
        summary="List flags (staff)",
        parameters=[FlagListParams],
        responses={
            200: FlagSerializer(many=True),
            403: _403,
            422: OpenApiResponse(description="validation_error: an unknown `status`."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class FlagResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(
        choices=FlagKind.choices,
        help_text="rollback: the held records count from now on; name_transfer: the "
        "counted history moves to a new archived player and the held records start "
        "the tracked player's history.",
    )


class FlagResolveView(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        summary="Resolve a flag (staff)",
        request=FlagResolveSerializer,
        responses={
            200: FlagSerializer,
            403: _403,
            404: OpenApiResponse(description="flag_not_found."),
            409: OpenApiResponse(description="flag_already_resolved: nothing changed."),
            422: OpenApiResponse(description="validation_error: `resolution` is not one."),
        },
    )
    def post(self, request: Request, id: int) -> Response:  # the path's name, as documented
        body = FlagResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = PlayerFlag.objects.filter(pk=id).first()
        if flag is None:
            raise FlagNotFound(details={"id": id})
        resolve = (
            flag_resolve_rollback
            if body.validated_data["resolution"] == FlagKind.ROLLBACK
            else flag_resolve_name_transfer
        )
        flag = resolve(flag=flag, resolved_by=request.user)
        return Response(FlagSerializer(flag).data)


class GameModeChangeSerializer(serializers.ModelSerializer):
    changed_after = serializers.DateTimeField(
        allow_null=True, help_text="The change came after this moment; null: unknown."
    )
    changed_before = serializers.DateTimeField(help_text="The change came before this moment.")

    class Meta:
        model = GameModeChange
        fields = ["from_mode", "to_mode", "kind", "changed_after", "changed_before"]


class GameModeChangesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A player's game-mode changes, newest first",
        responses={
            200: GameModeChangeSerializer(many=True),
            404: OpenApiResponse(description="player_not_found."),
        },
    )
    def get(self, request: Request, username: str) -> Response:
        player = player_by_name(username)
        changes = GameModeChange.objects.filter(player=player).order_by("-changed_before", "-pk")
        return Response(GameModeChangeSerializer(changes, many=True).data)
