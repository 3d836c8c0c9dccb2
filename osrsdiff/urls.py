from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .auth import LoginView, LogoutView, RefreshView
from .health import health, ready
from .keys_views import KeyDetailView, KeyListView
from .metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health", health, name="health"),
    path("ready", ready, name="ready"),
    path("metrics", metrics_view, name="metrics"),
    path("api/auth/login", LoginView.as_view(), name="auth-login"),
    path("api/auth/refresh", RefreshView.as_view(), name="auth-refresh"),
    path("api/auth/logout", LogoutView.as_view(), name="auth-logout"),
    path("api/keys", KeyListView.as_view(), name="key-list"),
    path("api/keys/<int:id>", KeyDetailView.as_view(), name="key-detail"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/", include("hiscores.urls")),
    path("api/", include("players.urls")),
    path("api/", include("progress.urls")),
    path("api/", include("groups.urls")),
    path("api/", include("webhooks.urls")),
]

handler404 = "api.handlers.not_found_view"
handler500 = "api.handlers.server_error_view"
