from django.urls import path

from datasets import views

app_name = "datasets"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("sample/", views.try_sample, name="sample"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/read-again/", views.reread, name="reread"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/combine/", views.combine, name="combine"),
    path("<int:pk>/combine/<int:other>/", views.combine_keys, name="combine-keys"),
    path("<int:pk>/combine/remove/", views.uncombine, name="uncombine"),
]
