"""Schema helpers for bodies keyed by slug (a skill, boss or activity per key).

The bodies themselves are built as plain dicts; these serializers only describe
them for the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers


class SlugMap(serializers.Serializer):
    """A JSON object keyed by slug: every catalogue slug is listed; rows the
    catalogue does not know yet appear under their own slug (additionalProperties)."""

    extra_value: Callable[[], serializers.Field]


class SlugMapExtension(OpenApiSerializerExtension):
    target_class = SlugMap
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        extra = self.target.extra_value()
        schema["additionalProperties"] = auto_schema._map_serializer_field(extra, direction)
        return schema


def slug_map(
    name: str,
    slugs: Iterable[str],
    value: Callable[[], serializers.Field],
    *,
    doc: str | None = None,
    **kwargs,
) -> SlugMap:
    """A SlugMap serializer named `name` with one `value()` field per slug."""
    fields: dict = {slug: value() for slug in slugs}
    attrs = {**fields, "extra_value": staticmethod(value), "__doc__": doc or SlugMap.__doc__}
    cls = type(name, (SlugMap,), attrs)
    cls.__module__ = __name__
    return cls(**kwargs)
