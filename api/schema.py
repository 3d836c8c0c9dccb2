"""The error contract in the OpenAPI schema (docs/api.md, "Errors").

Every error response of every operation is described by one component,
`ErrorBody`, the body `api.handlers` sends. Views name the errors only they
raise (`@extend_schema(responses={404: OpenApiResponse(description=...)})`);
the statuses that come from how a view is guarded are added here, so that no
view can forget them: 401 where the operation needs a credential, 429 (with
`Retry-After`) where a throttle applies.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    """What every 4xx and 5xx under /api/ answers (the component `ErrorBody`)."""

    error_code = serializers.CharField(help_text="Stable, snake_case: what went wrong.")
    message = serializers.CharField(help_text="For people; may change.")
    details = serializers.JSONField(
        allow_null=True,
        help_text="For a 422, each bad field with its messages; for a 429, `retry_after` "
        "in seconds; otherwise what helps, or null.",
    )
    timestamp = serializers.DateTimeField()
    request_id = serializers.CharField(help_text="The X-Request-ID header of the response.")


# What an error response says when its view gave no description of its own.
DESCRIPTIONS = {
    "400": "malformed_request: the body is not JSON, or nested too deep.",
    "401": "not_authenticated or authentication_failed: no credential, or a bad one.",
    "403": "permission_denied: signed in, but not allowed.",
    "404": "not_found: no such resource.",
    "409": "The request conflicts with what is stored.",
    "422": "validation_error: `details` names each bad field or parameter.",
    "429": "Too many requests: `Retry-After` (and `details.retry_after`) says when to ask again.",
    "502": "hiscores_unavailable: the OSRS hiscores did not answer.",
    "503": "A service this request needs is unavailable.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "description": "Seconds to wait before asking again.",
    }
}


class ContractSchema(AutoSchema):
    """DRF's DEFAULT_SCHEMA_CLASS: drf-spectacular's, with the error contract."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        guarded = []
        security = operation.get("security", [])
        if security and {} not in security:
            guarded.append("401")
        if self.view.get_throttles():
            guarded.append("429")
        responses = operation["responses"]
        for status in guarded:
            if status not in responses:
                responses[status] = self._get_response_for_code(None, status)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: str,
        media_types: Any = None,
        direction: str = "response",
    ) -> dict[str, Any]:
        # Every declared response passes here: an error declared without a body
        # gets the ErrorBody, and its view's description or the status's own.
        if int(status_code) >= 400 and _bodiless(serializer):
            description = getattr(serializer, "description", "")
            serializer = OpenApiResponse(
                ErrorBodySerializer, description=description or DESCRIPTIONS.get(status_code, "")
            )
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if status_code == "429":
            response["headers"] = {**response.get("headers", {}), **RETRY_AFTER}
        return response


def _bodiless(declared: Any) -> bool:
    return declared is None or (isinstance(declared, OpenApiResponse) and declared.response is None)
