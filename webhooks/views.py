"""The webhooks endpoints (docs/api.md, "Webhooks"); the services are in
`webhooks.services`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import NotFound
from groups.models import Group

from .events import SUBSCRIBABLE
from .models import Format, Webhook
from .services import may_manage_webhooks, webhook_create, webhook_delete, webhooks_visible_to


class WebhookSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "events",
            "format",
            "group",
            "created_at",
            "created_by",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
        ]


class NewWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (X-Osrsdiff-Signature); shown in this answer only.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="http:// or https://, a public address.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        min_length=1,
        max_length=len(SUBSCRIBABLE) * 2,
    )
    format = serializers.ChoiceField(choices=Format.choices, default=Format.JSON)
    group = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Group.objects.all(),
        required=False,
        allow_null=True,
        help_text="The group's slug: the webhook hears about its members and competitions. "
        "Without one (staff only) it hears every event it subscribes to.",
    )


_403 = OpenApiResponse(
    description="permission_denied: not the group's owner, or no group and not staff."
)
_404 = OpenApiResponse(
    description="not_found: no such webhook, or one you may not see (never shown to exist)."
)


class WebhookListView(generics.ListAPIView):
    serializer_class = WebhookSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, with no user
            return Webhook.objects.none()
        return webhooks_visible_to(self.request.user)

    @extend_schema(
        tags=["webhooks"],
        summary="List webhooks (those you made or whose group you own; staff: all)",
        responses={200: WebhookSerializer, 422: OpenApiResponse(description="A bad page.")},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["webhooks"],
        summary="Make a webhook (the secret is in this answer only)",
        request=WebhookCreateSerializer,
        responses={
            201: NewWebhookSerializer,
            403: _403,
            409: OpenApiResponse(description="too_many_webhooks: WEBHOOKS_PER_OWNER reached."),
            422: OpenApiResponse(
                description="validation_error: a bad field, or a URL that does not resolve "
                "to a public address."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = WebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        group = fields.get("group")
        if not may_manage_webhooks(request.user, group):
            raise PermissionDenied(
                "Only the group's owner may add its webhooks."
                if group
                else "Only staff may make a webhook that is no group's; name a group you own."
            )
        webhook, secret = webhook_create(
            by=request.user,
            url=fields["url"],
            events=fields["events"],
            format=fields["format"],
            group=group,
        )
        webhook.secret = secret
        return Response(NewWebhookSerializer(webhook).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    @extend_schema(
        tags=["webhooks"],
        summary="Show a webhook",
        responses={200: WebhookSerializer, 404: _404},
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(WebhookSerializer(self._webhook(request, id)).data)

    @extend_schema(
        tags=["webhooks"],
        summary="Delete a webhook; nothing more is sent to it",
        responses={204: None, 404: _404},
    )
    def delete(self, request: Request, id: int) -> Response:
        webhook_delete(webhook=self._webhook(request, id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _webhook(self, request: Request, id: int) -> Webhook:
        webhook = webhooks_visible_to(request.user).filter(pk=id).first()
        if webhook is None:
            raise NotFound("You have no webhook with that id.")
        return webhook
