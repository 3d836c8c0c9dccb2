"""Fields of response bodies that more than one app's serializers describe."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.NUMBER)
class GainValueField(serializers.Field):
    """A whole number (experience, kills, score), or hours for `ehp` and `ehb`."""

    def to_representation(self, value):
        return value
