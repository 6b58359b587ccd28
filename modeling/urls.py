from django.urls import path

from modeling import views

app_name = "modeling"
urlpatterns = [
    path("datasets/<int:pk>/train/", views.train, name="train"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run-status"),
    path("runs/<int:pk>/cancel/", views.cancel_run, name="run-cancel"),
    path("<int:pk>/", views.version_detail, name="version"),
]
