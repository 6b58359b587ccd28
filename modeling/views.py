from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from datasets.intake import sufficiency
from datasets.models import Dataset
from modeling import charts, jobs, monitoring, presenting, retraining_pages, schedule
from modeling.errors import TrainingError
from modeling.forms import PromoteForm, RetrainPolicyForm, TrainingForm
from modeling.models import (
    AuditEntry,
    Comparison,
    ModelVersion,
    RetrainPolicy,
    RunKind,
    TrainingRun,
)
from modeling.promotion import make_active


@login_required
def train(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk, status=Dataset.Status.READY)
    if not dataset.is_mapped:
        return redirect("datasets:mapping", dataset.pk)
    dates = [c["name"] for c in dataset.profile if c["kind"] == "date"]
    active = ModelVersion.active()
    may_replace = active is not None and request.user.has_perm(
        "leadscore_site.promote_models"
    )
    form = TrainingForm(
        request.POST or None, date_columns=dates, may_replace=may_replace
    )
    if request.method == "POST" and form.is_valid():
        run = jobs.enqueue_training(dataset, user=request.user, **form.cleaned_data)
        return redirect("modeling:run", run.pk)

    level, message = sufficiency(dataset.outcome_counts)
    context = {
        "dataset": dataset,
        "form": form,
        "step": "train",
        "level": level,
        "sufficiency": message,
        "active": active,
    }
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
    return JsonResponse(
        {
            "status": run.status,
            "progress": run.progress,
            "stage": run.stage,
            "error": run.error,
            "finished": run.is_finished,
            "model_url": (
                ModelVersion(pk=version[0]).get_absolute_url() if version else None
            ),
        }
    )


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(
        ModelVersion.objects.select_related("dataset", "run"), pk=pk
    )
    context = {
        "version": version,
        "step": "review",
        "charts": charts.model_charts(version),
        "in_use": None if version.is_active else ModelVersion.active(),
        **presenting.version_page(version),
    }
    return render(request, "modeling/version.html", context)


# --- retraining, comparison, model health, audit log (issue 6) ---


AUDIT_PAGE = 50
# A scheduled check this late means no worker runs RQ's scheduler.
OVERDUE = timedelta(minutes=15)


@login_required
def retraining(request: HttpRequest) -> HttpResponse:
    jobs.reap_dead_runs()
    schedule.ensure_armed()
    policy = RetrainPolicy.current()
    tick = schedule.scheduled_at()
    context = {
        "policy": policy,
        "form": RetrainPolicyForm(instance=policy),
        "active": ModelVersion.active(),
        "tick": tick,
        "overdue": tick is not None and tick < timezone.now() - OVERDUE,
        "runs": TrainingRun.objects.filter(kind=RunKind.RETRAIN)[:10],
        "comparisons": Comparison.objects.select_related("challenger", "champion")[:10],
        "versions": ModelVersion.objects.select_related("run")[:30],
        "changes": AuditEntry.objects.filter(subject="model")[:20],
    }
    return render(request, "modeling/retraining.html", context)


@login_required
@require_POST
def save_schedule(request: HttpRequest) -> HttpResponse:
    form = RetrainPolicyForm(request.POST, instance=RetrainPolicy.current())
    if form.is_valid():
        schedule.save_policy(form.save(commit=False), user=request.user)
        messages.success(request, "Retraining schedule saved.")
    else:
        messages.error(
            request,
            "The schedule was not saved: "
            + "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
            ),
        )
    return redirect("modeling:retraining")


@login_required
@require_POST
def retrain_now(request: HttpRequest) -> HttpResponse:
    try:
        run = jobs.enqueue_retrain(trigger="admin", user=request.user)
    except TrainingError as error:
        messages.error(request, str(error))
        return redirect("modeling:retraining")
    return redirect("modeling:run", run.pk)


@login_required
def comparison(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Comparison.objects.select_related("challenger", "champion"), challenger=pk
    )
    context = {
        "comparison": found,
        "rows": retraining_pages.side_by_side(found),
        "moves": retraining_pages.tier_moves(found),
        "form": PromoteForm(),
        "active": ModelVersion.active(),
    }
    return render(request, "modeling/comparison.html", context)


@login_required
@require_POST
def promote(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion, pk=pk)
    form = PromoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why, so the audit log explains the change.")
        return redirect(request.POST.get("back") or "modeling:retraining")
    before = ModelVersion.active()
    action = make_active(version, user=request.user, reason=form.cleaned_data["reason"])
    if request.POST.get("rescore"):
        jobs.enqueue_rescore_all(version, user=request.user)
    undo = (
        f" To undo, put {before} back in use below."
        if before and before != version
        else ""
    )
    messages.success(
        request, f"{version} is in use ({action.replace('_', ' ')}).{undo}"
    )
    return redirect("modeling:retraining")


@login_required
@require_POST
def rescore_all(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion, pk=pk, is_active=True)
    jobs.enqueue_rescore_all(version, user=request.user)
    messages.success(request, "Every open lead is being rescored.")
    return redirect("modeling:retraining")


@login_required
def health(request: HttpRequest) -> HttpResponse:
    rows = monitoring.tier_performance()
    active = ModelVersion.active()
    check = active.drift_checks.first() if active else None
    threshold = RetrainPolicy.current().drift_threshold
    context = {
        "active": active,
        "check": check,
        "rows": retraining_pages.tier_table(rows),
        "charts": {"tiers": retraining_pages.tier_chart(rows)} if rows else {},
        "drift": retraining_pages.drift_rows(check, threshold) if check else [],
        "threshold": threshold,
    }
    return render(request, "modeling/health.html", context)


@login_required
@require_POST
def check_drift(request: HttpRequest) -> HttpResponse:
    if monitoring.check_drift() is None:
        messages.error(
            request,
            "Too few leads scored by the model in use in the "
            f"last {monitoring.DRIFT_DAYS} days to measure drift.",
        )
    return redirect("modeling:health")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor")
    subject = request.GET.get("subject", "")
    if subject:
        entries = entries.filter(subject=subject)
    page = Paginator(entries, AUDIT_PAGE).get_page(request.GET.get("page"))
    subjects = ["tier", "rule", "model", "user", "token"]
    return render(
        request,
        "modeling/audit.html",
        {"page": page, "subject": subject, "subjects": subjects},
    )
