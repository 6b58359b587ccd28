from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from datasets.models import Dataset
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
