from django.urls import path

from datasets import views

app_name = "datasets"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/read-again/", views.reread, name="reread"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
]
