from django.urls import path
from rest_framework.routers import SimpleRouter

from integrations import api

router = SimpleRouter()
router.register("webhooks", api.WebhookSubscriptionViewSet, basename="webhook")
router.register("feeds", api.FeedViewSet, basename="feed")

urlpatterns = [
    path("clusters/<int:pk>/claimreview/", api.ClaimReviewView.as_view(), name="cluster-claimreview"),
    path("claimreview/", api.ClaimReviewListView.as_view(), name="claimreview-list"),
    *router.urls,
]
