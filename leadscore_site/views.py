from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractUser
from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from datasets.models import Dataset
from leadscore_site.context_processors import path_steps, resume
from leadscore_site.health import health
from leadscore_site.roles import ADMIN, MARKETER, SALES_MANAGER
from modeling.models import (
    Comparison,
    DriftCheck,
    ModelVersion,
    RunKind,
    TrainingRun,
)
from routing.models import Delivery, Lead, Tier
from routing.queue import call_queue

LIST_LENGTH = 10
# The home page's sections, one per role, in the order they are shown; a
# user with several roles sees each of theirs.
SECTIONS = (
    (MARKETER, "marketer", "prepare_data"),
    (SALES_MANAGER, "sales", "record_outcomes"),
    (ADMIN, "admin", "manage_routing"),
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    sections = home_sections(request.user)
    context = {"sections": sections}
    if "marketer" in sections:
        context |= marketer_home(request.user)
    if "sales" in sections:
        context |= sales_home()
    if "admin" in sections:
        context |= admin_home()
    if request.user.has_perm("leadscore_site.view_models"):
        context["drift_check"] = latest_drift_check()
    return render(request, "home.html", context)


def home_sections(user: AbstractUser) -> list[str]:
    """Return the sections of the home page for the user's roles.

    Roles are the groups; a superuser counts as an admin, and a user given
    capabilities one by one sees the sections those capabilities open.
    """
    groups = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        groups.add(ADMIN)
    by_group = [section for role, section, _ in SECTIONS if role in groups]
    if by_group:
        return by_group
    return [
        section
        for _, section, capability in SECTIONS
        if user.has_perm(f"leadscore_site.{capability}")
    ]


def marketer_home(user: AbstractUser) -> dict:
    """Return the marketer's uploads, models and the one next step."""
    uploads = Dataset.objects.filter(owner=user).exclude(purpose=Dataset.Purpose.EXTRA)
    latest = uploads.filter(purpose=Dataset.Purpose.HISTORY).first()
    return {
        "uploads": [upload_row(dataset) for dataset in uploads[:LIST_LENGTH]],
        "models": ModelVersion.objects.filter(dataset__owner=user).select_related(
            "dataset"
        )[:LIST_LENGTH],
        "training": TrainingRun.objects.filter(
            dataset__owner=user,
            status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING],
        ).select_related("dataset"),
        "resume": resume(latest),
        "my_path": path_steps(latest),
        "active": ModelVersion.active(),
    }


def upload_row(dataset: Dataset) -> dict:
    """Return an upload with the link that takes it one step further."""
    if dataset.purpose == Dataset.Purpose.NEW_LEADS:
        failed = dataset.status == Dataset.Status.FAILED
        text = "See why it could not be read" if failed else "See these leads ranked"
        url = (
            dataset.get_absolute_url()
            if failed
            else f"{reverse('routing:leads')}?dataset={dataset.pk}"
        )
        return {"dataset": dataset, "next_text": text, "next_url": url}
    step = resume(dataset)
    return {"dataset": dataset, "next_text": step.text, "next_url": step.url}


def sales_home() -> dict:
    """Return today's leads in the top tier and the head of the call queue."""
    top = Tier.objects.ordered()[0]
    queue = call_queue()
    return {
        "top_tier": top,
        "hot_leads": Lead.objects.filter(
            tier=top, outcome="", scored_at__gte=start_of_today()
        ).select_related("tier")[:LIST_LENGTH],
        "queue": queue[:LIST_LENGTH],
        "n_queued": queue.count(),
    }


def start_of_today() -> datetime:
    """Return midnight in the site's time zone, where "today" starts."""
    today = timezone.localdate()
    return timezone.make_aware(datetime.combine(today, time.min))


def admin_home() -> dict:
    """Return model health, failing deliveries and challengers to decide on."""
    active = ModelVersion.active()
    failing = Delivery.objects.filter(
        status__in=[Delivery.Status.FAILED, Delivery.Status.RETRYING]
    )
    return {
        "active": active,
        "last_retrain": TrainingRun.objects.filter(kind=RunKind.RETRAIN).first(),
        "conversion": conversion_of(active),
        "failing": failing.select_related("rule", "lead")[:LIST_LENGTH],
        "n_failing": failing.count(),
        "challengers": waiting_challengers(active),
    }


def conversion_of(version: ModelVersion | None) -> dict | None:
    """Return the share of the version's leads with an outcome that converted,
    beside the share it expected; None before any outcome is known."""
    if version is None:
        return None
    known = Lead.objects.filter(model_version=version).exclude(outcome="")
    figures = known.aggregate(
        n=Count("pk"),
        n_won=Count("pk", filter=Q(outcome="won")),
        expected=Avg("probability"),
    )
    if not figures["n"]:
        return None
    return {
        "n": figures["n"],
        "actual": f"{figures['n_won'] / figures['n']:.0%}",
        "expected": f"{figures['expected']:.0%}",
    }


def waiting_challengers(active: ModelVersion | None) -> list[Comparison]:
    """Return retrained models newer than the one in use, not put in use."""
    waiting = Comparison.objects.filter(challenger__is_active=False)
    if active is not None:
        waiting = waiting.filter(challenger__created_at__gt=active.created_at)
    return list(waiting.select_related("challenger", "champion")[:LIST_LENGTH])


def latest_drift_check() -> DriftCheck | None:
    """Return the last drift check of the model in use, for the warning."""
    active = ModelVersion.active()
    return active.drift_checks.first() if active else None


@never_cache
@require_GET
def health_check(request: HttpRequest) -> JsonResponse:
    report, serving = health()
    return JsonResponse(report, status=200 if serving else 503)
