"""The webhooks' own error codes (docs/api.md, "Webhooks")."""

from api.errors import Conflict, Unprocessable


class UnsafeWebhookUrl(Unprocessable):
    error_code = "validation_error"
    default_detail = "The webhook URL cannot be used."


class TooManyWebhooks(Conflict):
    error_code = "too_many_webhooks"
    default_detail = "As many webhooks as allowed already exist here; delete one first."
