from rest_framework.routers import DefaultRouter

from claims.api import views

router = DefaultRouter()
router.register("sources", views.SourceViewSet, basename="source")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("clusters", views.ClusterViewSet, basename="cluster")

urlpatterns = router.urls
