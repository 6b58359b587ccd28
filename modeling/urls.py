from django.urls import path

from modeling import views

app_name = "modeling"
urlpatterns = [
    path("datasets/<int:pk>/train/", views.train, name="train"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run-status"),
    path("runs/<int:pk>/cancel/", views.cancel_run, name="run-cancel"),
    path("<int:pk>/", views.version_detail, name="version"),
    # --- retraining, comparison, model health, audit log (issue 6) ---
    path("retraining/", views.retraining, name="retraining"),
    path("retraining/schedule/", views.save_schedule, name="schedule"),
    path("retraining/now/", views.retrain_now, name="retrain-now"),
    path("<int:pk>/comparison/", views.comparison, name="comparison"),
    path("<int:pk>/promote/", views.promote, name="promote"),
    path("<int:pk>/rescore/", views.rescore_all, name="rescore-all"),
    path("health/", views.health, name="health"),
    path("health/drift/", views.check_drift, name="check-drift"),
    path("audit/", views.audit_log, name="audit"),
]
