"""The name-change endpoints (docs/api.md, "Name changes"): reads as a viewset,
every write through `players.renames`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from api.params import QueryField, QueryParams
from hiscores.usernames import InvalidUsername, normalise

from ..errors import NameChangeNotFound
from ..models import NameChange, NameChangeStatus
from ..renames import name_change_approve, name_change_deny, name_change_request
from .serializers import RejectUnknownFieldsMixin
from .throttles import NameChangeThrottle


class NameChangeSerializer(serializers.ModelSerializer):
    reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The review's findings, in words."
    )
    evidence = serializers.DictField(
        read_only=True,
        help_text="The review's figures: `elapsed_hours`, `went_down` and `too_fast` (lists of "
        "`{metric, ...}`), and `merged` once a tracked player was merged in.",
    )
    player = serializers.CharField(
        source="player.username",
        read_only=True,
        allow_null=True,
        help_text="The player's name now (null once the player is deleted).",
    )

    class Meta:
        model = NameChange
        fields = [
            "id",
            "old_name",
            "new_name",
            "status",
            "reasons",
            "evidence",
            "player",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


class NameChangeCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    # The services check the names (a 422 naming the field), as they do for the admin.
    old_name = serializers.CharField(max_length=64, trim_whitespace=False)
    new_name = serializers.CharField(max_length=64, trim_whitespace=False)


@extend_schema_field({"type": "string", "enum": NameChangeStatus.values})
class StatusField(QueryField):
    default_error_messages = {"invalid": f"Must be one of: {', '.join(NameChangeStatus.values)}."}

    def to_internal_value(self, data: str) -> str:
        value = data.strip().lower()
        if value not in NameChangeStatus.values:
            self.fail("invalid")
        return value


@extend_schema_field(OpenApiTypes.STR)
class UsernameField(QueryField):
    def to_internal_value(self, data: str) -> str:
        try:
            return normalise(data)
        except InvalidUsername as exc:
            raise serializers.ValidationError(str(exc)) from None


class NameChangeListParams(QueryParams):
    status = StatusField(required=False, help_text="pending, approved or denied.")
    username = UsernameField(
        required=False, help_text="Changes from or to this name (any spelling)."
    )


_404 = OpenApiResponse(description="name_change_not_found: no name change has that id.")
_403 = OpenApiResponse(description="permission_denied: staff only.")
_409_RESOLVED = OpenApiResponse(
    description="name_change_resolved: already approved or denied; or name_change_blocked: "
    "applying it would mix or lose history (`details` says what stands in the way)."
)


@extend_schema_view(
    list=extend_schema(
        summary="List name changes",
        parameters=[NameChangeListParams],
        responses={
            200: NameChangeSerializer(many=True),
            422: OpenApiResponse(description="validation_error: a bad parameter."),
        },
    ),
    retrieve=extend_schema(
        summary="Show a name change", responses={200: NameChangeSerializer, 404: _404}
    ),
    create=extend_schema(
        summary="Request a name change (reviewed at once)",
        request=NameChangeCreateSerializer,
        responses={
            201: NameChangeSerializer,
            404: OpenApiResponse(description="player_not_found: the old name is not tracked."),
            409: OpenApiResponse(
                description="name_change_pending: the same change is waiting for review."
            ),
            422: OpenApiResponse(description="validation_error: `details` names each bad name."),
            429: OpenApiResponse(
                description="throttled (NAME_CHANGE_THROTTLE_RATE per user); `Retry-After` "
                "says when to ask again."
            ),
        },
    ),
)
class NameChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = NameChange.objects.select_related("player")
    serializer_class = NameChangeSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self):
        if self.action in ("approve", "deny"):
            return [IsAuthenticated(), IsAdminUser()]
        return [IsAuthenticated()]

    def get_throttles(self):
        # A request asks the hiscores for the new name: each user gets a share.
        throttles = super().get_throttles()
        return [*throttles, NameChangeThrottle()] if self.action == "create" else throttles

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        params = NameChangeListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        if status_ := params.validated_data.get("status"):
            queryset = queryset.filter(status=status_)
        if key := params.validated_data.get("username"):
            queryset = queryset.filter(old_key=key) | queryset.filter(new_key=key)
        return queryset

    def get_object(self) -> NameChange:
        pk = self.kwargs["pk"]
        change = self.get_queryset().filter(pk=int(pk)).first() if str(pk).isdigit() else None
        if change is None:
            raise NameChangeNotFound(details={"id": pk})
        return change

    def create(self, request):
        data = NameChangeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = name_change_request(**data.validated_data, requested_by=request.user)
        return Response(NameChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a name change (staff)",
        request=None,
        responses={200: NameChangeSerializer, 403: _403, 404: _404, 409: _409_RESOLVED},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk: str):
        change = name_change_approve(name_change_id=self.get_object().pk, by=request.user)
        return Response(NameChangeSerializer(self._fresh(change)).data)

    @extend_schema(
        summary="Deny a name change (staff)",
        request=None,
        responses={
            200: NameChangeSerializer,
            403: _403,
            404: _404,
            409: OpenApiResponse(description="name_change_resolved: already approved or denied."),
        },
    )
    @action(detail=True, methods=["post"])
    def deny(self, request, pk: str):
        change = name_change_deny(name_change_id=self.get_object().pk, by=request.user)
        return Response(NameChangeSerializer(self._fresh(change)).data)

    def _fresh(self, change: NameChange) -> NameChange:
        return NameChange.objects.select_related("player").get(pk=change.pk)
