from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    # The admin's language switch posts here (set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("claims.api.urls")),
    # ClaimReview JSON-LD (clusters/{id}/claimreview/, claimreview/) and webhook subscriptions.
    path("api/v1/", include("integrations.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The schema read by Swagger UI and Redoc, their JavaScript served here (drf_spectacular_sidecar).
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

# A database outage met outside a view answers 503 too (factcheck/middleware.py).
handler500 = "factcheck.middleware.server_error"
