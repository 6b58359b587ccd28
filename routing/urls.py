from django.urls import path

from routing import admin_views, views

app_name = "routing"
urlpatterns = [
    path("", views.lead_list, name="leads"),
    path("export.csv", views.export_leads, name="export"),
    path("<int:pk>/", views.lead_detail, name="lead"),
    path("<int:pk>/outcome/", views.set_outcome, name="outcome"),
    path("<int:pk>/claim/", views.claim_lead, name="claim"),
    path("queue/", views.queue, name="queue"),
    path("outcomes/", views.upload_outcomes, name="outcomes"),
    path("outcomes/history.csv", views.outcome_history_csv, name="outcome-history"),
    path("score/", views.score_one, name="score-one"),
    path("upload/", views.upload_new_leads, name="upload"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run-status"),
    path("runs/<int:pk>/download/", views.run_download, name="run-download"),
    path("tiers/", admin_views.tiers, name="tiers"),
    path("rules/", admin_views.rules, name="rules"),
    path("rules/<int:pk>/toggle/", admin_views.toggle_rule, name="rule-toggle"),
    path("deliveries/", admin_views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/resend/", admin_views.resend_delivery, name="resend"),
    path("tokens/", admin_views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", admin_views.revoke, name="revoke"),
]
