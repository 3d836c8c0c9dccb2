from django.urls import path

from .views import WebhookDetailView, WebhookListView

urlpatterns = [
    path("webhooks", WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:id>", WebhookDetailView.as_view(), name="webhook-detail"),
]
