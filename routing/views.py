import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from datasets.errors import DatasetError
from datasets.models import Dataset
from datasets.views import create_dataset
from modeling.models import ModelVersion
from modeling.next_tier import changeable_columns, next_step_sentence
from modeling.runs import tier_thresholds
from routing import forms
from routing.intake import LeadInputError, check_lead
from routing.jobs import enqueue_scoring, scored_name
from routing.leads import record_outcome, score_incoming
from routing.listing import export_rows, filter_leads
from routing.models import Lead, ScoringRun, Tier
from routing.outcomes import import_outcomes, outcome_history, outcome_moment
from routing.queue import call_queue, claim

PAGE_SIZE = 50


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    form = forms.LeadFilterForm(request.GET)
    page = Paginator(filter_leads(**form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "query": query.urlencode(),
        "tiers": Tier.objects.ordered(),
        "active": ModelVersion.active(),
        "pending": ScoringRun.objects.filter(
            status__in=[ScoringRun.Status.QUEUED, ScoringRun.Status.RUNNING]
        ).exists(),
        "failed": ScoringRun.objects.filter(status=ScoringRun.Status.FAILED).first(),
        "outcomes": Lead.Outcome.choices,
        "step": "score",
    }
    return render(request, "routing/lead_list.html", context)


@login_required
def export_leads(request: HttpRequest) -> StreamingHttpResponse:
    form = forms.LeadFilterForm(request.GET)
    response = StreamingHttpResponse(
        export_rows(filter_leads(**form.filters())), content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="leads.csv"'
    return response


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(
        Lead.objects.select_related("tier", "model_version", "owner"), pk=pk
    )
    version = lead.model_version
    context = {
        "lead": lead,
        "history": lead.scores.select_related("tier")[:50],
        "outcomes": Lead.Outcome.choices,
        "deliveries": lead.deliveries.select_related("rule")[:20],
        "next_step": next_step_sentence(
            version, lead.fields, lead.probability, tier_thresholds()
        ),
        "changeable": ", ".join(changeable_columns(version)),
    }
    return render(request, "routing/lead_detail.html", context)


@login_required
@require_POST
def set_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = forms.OutcomeForm(request.POST)
    if form.is_valid():
        when = outcome_moment(form.cleaned_data["date"])
        record_outcome(lead, form.cleaned_data["outcome"], when)
        messages.success(request, f"{lead}: outcome saved.")
    else:
        problems = [error for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(problems))
    return redirect(_next(request, form) or lead.get_absolute_url())


def _next(request: HttpRequest, form) -> str:
    target = form.cleaned_data.get("next", "") if form.is_valid() else ""
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()})
    return target if safe else ""


@login_required
@require_POST
def claim_lead(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    if claim(lead, request.user):
        messages.success(request, f"{lead} is yours to call.")
    else:
        messages.error(request, f"{lead} was already claimed by someone else.")
    return redirect("routing:queue")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(call_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "outcomes": Lead.Outcome.choices}
    return render(request, "routing/queue.html", context)


@login_required
def upload_outcomes(request: HttpRequest) -> HttpResponse:
    form = forms.OutcomeUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = import_outcomes(form.cleaned_data["file"].read())
        except DatasetError as error:
            form.add_error("file", str(error))
    context = {
        "form": form,
        "result": result,
        "n_known": Lead.objects.exclude(outcome="").count(),
    }
    return render(request, "routing/outcomes.html", context)


@login_required
def outcome_history_csv(request: HttpRequest) -> HttpResponse:
    from routing.export import write_safe_csv

    out = io.BytesIO()
    write_safe_csv(outcome_history(), out)
    response = HttpResponse(out.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="outcome_history.csv"'
    return response


@login_required
def score_one(request: HttpRequest) -> HttpResponse:
    active = ModelVersion.active()
    kinds = active.column_kinds if active else {}
    form = forms.single_lead_form(kinds, request.POST or None)
    if request.method != "POST" or active is None or not form.is_valid():
        context = {"form": form, "active": active}
        return render(request, "routing/score_one.html", context)

    values = [form.cleaned_data[f"f_{i}"] for i in range(1, len(kinds) + 1)]
    fields = {name: _plain(v) for name, v in zip(kinds, values)} | {
        "external_id": form.cleaned_data["external_id"]
    }
    try:
        item = check_lead(fields, kinds)
    except LeadInputError as error:
        form.add_error(_form_key(error.field, kinds), str(error))
        context = {"form": form, "active": active}
        return render(request, "routing/score_one.html", context)
    [score] = score_incoming([item], active, source="web form")
    return redirect(score.lead.get_absolute_url())


def _form_key(field: str, kinds: dict[str, str]) -> str | None:
    # The form names a model's fields f_1, f_2, ... in the model's order.
    keys = {name: f"f_{i}" for i, name in enumerate(kinds, start=1)}
    return "external_id" if field == "external_id" else keys.get(field)


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


@login_required
def upload_new_leads(request: HttpRequest) -> HttpResponse:
    active = ModelVersion.active()
    form = forms.NewLeadsForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid() or active is None:
        context = {"form": form, "active": active, "step": "score"}
        return render(request, "routing/upload.html", context)

    upload = form.cleaned_data["file"]
    dataset = create_dataset(request, upload, Dataset.Purpose.NEW_LEADS)
    if dataset.status == Dataset.Status.FAILED:
        # Said here: a sales manager may not open the upload's own page.
        form.add_error("file", dataset.error)
        context = {"form": form, "active": active, "step": "score"}
        return render(request, "routing/upload.html", context)
    run = enqueue_scoring(dataset, active)
    return redirect(run.get_absolute_url())


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ScoringRun.objects.select_related("dataset"), pk=pk)
    return render(request, "routing/run.html", {"run": run, "step": "score"})


@login_required
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    run = get_object_or_404(ScoringRun, pk=pk)
    return JsonResponse(
        {
            "status": run.status,
            "progress": run.progress,
            "n_scored": run.n_scored,
            "n_total": run.n_total,
            "error": run.error,
            "download_url": f"{run.get_absolute_url()}download/" if run.output else "",
        }
    )


@login_required
def run_download(request: HttpRequest, pk: int) -> FileResponse:
    run = get_object_or_404(
        ScoringRun.objects.select_related("dataset"),
        pk=pk,
        status=ScoringRun.Status.SUCCEEDED,
    )
    if not run.output:
        raise Http404("This run wrote no file.")
    # Named after the upload, not the stored file, which storage may have
    # given a suffix to keep it apart from an earlier run's.
    return FileResponse(
        run.output.open("rb"),
        as_attachment=True,
        filename=scored_name(run.dataset.original_name),
    )
