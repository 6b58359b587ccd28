from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from routing import api_views, views_api_docs

# Known limit: an external ID containing "/" cannot be addressed in these URLs;
# such a lead can still be rescored by sending it again to /score.
urlpatterns = [
    path("score", api_views.score, name="api-score"),
    path("model", api_views.active_model, name="api-model"),
    path("leads/<str:external_id>", api_views.lead, name="api-lead"),
    path("leads/<str:external_id>/outcome", api_views.outcome, name="api-outcome"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", views_api_docs.api_docs, name="api-docs"),
]
