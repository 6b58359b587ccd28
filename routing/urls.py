from django.urls import path

from routing import views

app_name = "routing"
urlpatterns = [
    path("", views.lead_list, name="leads"),
    path("<int:pk>/", views.lead_detail, name="lead"),
    path("upload/", views.upload_new_leads, name="upload"),
]
