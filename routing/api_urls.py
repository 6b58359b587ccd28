from django.urls import path, re_path, register_converter
from django.urls.converters import PathConverter
from drf_spectacular.views import SpectacularAPIView

from routing import api_admin, api_views, views_api_docs


class AnyTextConverter(PathConverter):
    """Any text, "/" and line breaks included ("." stops at a line break)."""

    regex = r"[\s\S]+"


register_converter(AnyTextConverter, "text")

# External IDs may hold "/" (CRMs use paths as keys), so they are matched as
# any text; the outcome route comes first so ".../outcome" is never taken as
# ID. An ID sent with a line break still reaches the lead's JSON 404.
urlpatterns = [
    path("score", api_views.score, name="api-score"),
    path("model", api_views.active_model, name="api-model"),
    path("leads/<text:external_id>/outcome", api_views.outcome, name="api-outcome"),
    path("leads/<text:external_id>", api_views.lead, name="api-lead"),
    # Every lead by Leadscore's own id, also those sent without external_id;
    # a path of its own, as an external ID may be any text.
    path(
        "lead-ids/<int:lead_id>/outcome",
        api_views.outcome_by_id,
        name="api-lead-by-id-outcome",
    ),
    path("lead-ids/<int:lead_id>", api_views.lead_by_id, name="api-lead-by-id"),
    path("deliveries", api_admin.deliveries, name="api-deliveries"),
    path(
        "deliveries/<int:pk>/resend",
        api_admin.resend_delivery,
        name="api-delivery-resend",
    ),
    path("models", api_admin.versions, name="api-models"),
    path("models/<int:pk>/activate", api_admin.activate, name="api-model-activate"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", views_api_docs.api_docs, name="api-docs"),
    # Last: any other path, a malformed id or a line break included, gets the
    # JSON 404 that points to the docs.
    re_path(r"^(?P<unknown>[\s\S]*)$", api_views.unknown_path, name="api-not-found"),
]
