from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from datasets.models import Dataset
from datasets.views import create_dataset
from modeling.models import ModelVersion
from routing.forms import NewLeadsForm
from routing.jobs import enqueue_scoring
from routing.models import Lead, ScoringRun, Tier

PAGE_SIZE = 50


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    leads = Lead.objects.select_related("tier", "dataset").order_by("-probability")
    tier = request.GET.get("tier", "")
    if tier:
        leads = leads.filter(tier__name=tier)
    dataset = request.GET.get("dataset", "")
    if dataset.isdigit():
        leads = leads.filter(dataset_id=int(dataset))
    page = Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tiers": Tier.objects.ordered(),
        "tier": tier,
        "dataset": dataset,
        "active": ModelVersion.active(),
        "pending": ScoringRun.objects.filter(
            status__in=[ScoringRun.Status.QUEUED, ScoringRun.Status.RUNNING]
        ).exists(),
        "failed": ScoringRun.objects.filter(status=ScoringRun.Status.FAILED).first(),
        "step": "score",
    }
    return render(request, "routing/lead_list.html", context)


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead.objects.select_related("tier", "model_version"), pk=pk)
    return render(request, "routing/lead_detail.html", {"lead": lead})


@login_required
def upload_new_leads(request: HttpRequest) -> HttpResponse:
    active = ModelVersion.active()
    form = NewLeadsForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid() or active is None:
        context = {"form": form, "active": active, "step": "score"}
        return render(request, "routing/upload.html", context)

    dataset = create_dataset(request, form.cleaned_data["file"], Dataset.Purpose.NEW_LEADS)
    if dataset.status == Dataset.Status.FAILED:
        return redirect("datasets:preview", dataset.pk)
    enqueue_scoring(dataset, active)
    messages.success(request, f"Scoring the {dataset.row_count:,} leads of "
                     f"{dataset.original_name}; they appear below as they finish.")
    return redirect(f"{redirect('routing:leads').url}?dataset={dataset.pk}")
