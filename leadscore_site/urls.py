from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from leadscore_site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health_check, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("datasets/", include("datasets.urls")),
    path("models/", include("modeling.urls")),
    path("leads/", include("routing.urls")),
    # --- routing: scoring API and its schema (issue 5) ---
    path("api/v1/", include("routing.api_urls")),
    # --- end routing ---
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
