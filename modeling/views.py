from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from datasets.intake import sufficiency
from datasets.models import Dataset
from modeling import charts, jobs
from modeling.forms import TrainingForm
from modeling.models import ModelVersion, TrainingRun
from modeling import presenting


@login_required
def train(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk, status=Dataset.Status.READY)
    if not dataset.is_mapped:
        return redirect("datasets:mapping", dataset.pk)
    dates = [c["name"] for c in dataset.profile if c["kind"] == "date"]
    form = TrainingForm(request.POST or None, date_columns=dates)
    if request.method == "POST" and form.is_valid():
        run = jobs.enqueue_training(dataset, user=request.user, **form.cleaned_data)
        return redirect("modeling:run", run.pk)

    level, message = sufficiency(dataset.outcome_counts)
    context = {"dataset": dataset, "form": form, "step": "train",
               "level": level, "sufficiency": message}
    return render(request, "modeling/train.html", context)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(TrainingRun.objects.select_related("dataset"), pk=pk)
    version = ModelVersion.objects.filter(run=run).first()
    if version is not None:
        return redirect("modeling:version", version.pk)
    return render(request, "modeling/run.html", {"run": run, "step": "train"})


@login_required
@require_POST
def cancel_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(TrainingRun, pk=pk)
    jobs.cancel_training(run)
    return redirect("modeling:run", run.pk)


@login_required
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    run = get_object_or_404(TrainingRun, pk=pk)
    version = ModelVersion.objects.filter(run=run).values_list("pk", flat=True)
    return JsonResponse({
        "status": run.status,
        "progress": run.progress,
        "stage": run.stage,
        "error": run.error,
        "finished": run.is_finished,
        "model_url": version and ModelVersion(pk=version[0]).get_absolute_url(),
    })


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(
        ModelVersion.objects.select_related("dataset", "run"), pk=pk
    )
    context = {
        "version": version,
        "step": "review",
        "charts": charts.model_charts(version),
        **presenting.version_page(version),
    }
    return render(request, "modeling/version.html", context)
