from django.urls import path
from rest_framework.routers import DefaultRouter

from claims.api import client_views, views

router = DefaultRouter()
router.register("sources", views.SourceViewSet, basename="source")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("clusters", views.ClusterViewSet, basename="cluster")

# Before the router's: its format-suffix routes would read claims/export.csv as claim "export" in csv.
exports = [
    path("claims/export.csv", client_views.ClaimCSVExportView.as_view(), name="claim-export-csv"),
    path("claims/export.jsonl", client_views.ClaimJSONLExportView.as_view(), name="claim-export-jsonl"),
    path("clusters/export.csv", client_views.ClusterCSVExportView.as_view(), name="cluster-export-csv"),
    path("clusters/export.jsonl", client_views.ClusterJSONLExportView.as_view(), name="cluster-export-jsonl"),
    path("checkworthiness/", client_views.CheckworthinessView.as_view(), name="checkworthiness"),
]

urlpatterns = exports + router.urls
