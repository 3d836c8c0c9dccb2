"""Pages of a list (docs/api.md): `?limit=` and `?offset=`, checked like every
other query parameter (`api.params`).

DRF's own limit-offset pagination falls back to the default on a limit it cannot
read and hands any number it can to the database, so `?limit=99999999999999999999`
was a 500 and a large limit the whole table. Here a limit outside 1 to
PAGE_MAX_LIMIT, or an offset that is not a whole number within bounds, is a 422
naming the parameter.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.settings import api_settings

from .params import QueryParams, WholeNumberField

# The longest whole number `WholeNumberField` reads (nine digits): far past any
# table's end, where a page is simply empty.
MAX_OFFSET = 999_999_999


class PageParams(QueryParams):
    """`limit` (1 to PAGE_MAX_LIMIT, default PAGE_SIZE) and `offset`, the bounds
    read when a request comes, as settings may change."""

    def get_fields(self) -> dict[str, WholeNumberField]:
        return {
            "limit": WholeNumberField(
                low=1, high=settings.PAGE_MAX_LIMIT, default=api_settings.PAGE_SIZE
            ),
            "offset": WholeNumberField(low=0, high=MAX_OFFSET, default=0),
        }


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    def paginate_queryset(self, queryset, request, view=None):
        params = PageParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        self._page = params.validated_data
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request) -> int:
        return self._page["limit"]

    def get_offset(self, request) -> int:
        return self._page["offset"]

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        bounds = {
            self.limit_query_param: (1, settings.PAGE_MAX_LIMIT),
            self.offset_query_param: (0, MAX_OFFSET),
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters
