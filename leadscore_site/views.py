from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from datasets.models import Dataset
from leadscore_site.health import health
from modeling.models import ModelVersion, TrainingRun
from routing.models import Lead


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "datasets": Dataset.objects.all()[:10],
        "runs": TrainingRun.objects.select_related("dataset")[:5],
        "active": ModelVersion.active(),
        "hot_leads": Lead.objects.select_related("tier").order_by("-probability")[:10],
    }
    return render(request, "home.html", context)


@never_cache
@require_GET
def health_check(request: HttpRequest) -> JsonResponse:
    report, serving = health()
    return JsonResponse(report, status=200 if serving else 503)
