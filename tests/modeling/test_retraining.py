"""Retraining end to end: outcomes in by every path, a challenger, promotion,
rollback, rescoring, the audit log, the by-tier chart and the schedule."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rq.scheduler import RQScheduler

from modeling import jobs, schedule
from modeling.models import (
    AuditEntry,
    Comparison,
    ModelVersion,
    RetrainPolicy,
    RunKind,
    TrainingRun,
)
from modeling.monitoring import tier_performance
from modeling.retraining import retraining_set
from routing.leads import score_and_store
from routing.models import Lead
from routing.outcomes import import_outcomes
from routing.tokens import create_token
from tests.builders import make_leads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_schedule"),
]

N_HISTORY, N_NEW = 400, 150


@pytest.fixture
def new_leads(champion):
    """150 leads scored since, stored with their (still unknown) outcome."""
    frame = make_leads(N_NEW, random_state=7)
    frame["Lead ID"] = [f"N{i:04d}" for i in range(N_NEW)]
    truth = dict(zip(frame["Lead ID"], frame.pop("Converted")))
    score_and_store(frame, champion, id_column="Lead ID")
    return truth


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="pw-boss-1")
    client.force_login(admin)
    return client


def record_all_outcomes(truth: dict, admin_client) -> None:
    """Feed every outcome in: a third from the page, the API and a CSV each."""
    ids = sorted(truth)
    word = {"Yes": "won", "No": "lost"}
    for key in ids[:50]:
        lead = Lead.objects.get(external_id=key)
        admin_client.post(
            reverse("routing:outcome", args=[lead.pk]), {"outcome": word[truth[key]]}
        )
    token = create_token("CRM")[1]
    for key in ids[50:100]:
        answer = admin_client.post(
            f"/api/v1/leads/{key}/outcome",
            json.dumps({"outcome": word[truth[key]]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert answer.status_code == 200
    rows = ["external_id,outcome,date"] + [
        f"{key},{word[truth[key]]},2026-11-{1 + i % 28:02d}"
        for i, key in enumerate(ids[100:])
    ]
    result = import_outcomes("\n".join(rows).encode())
    assert result.updated == 50 and not result.bad_rows


def test_outcomes_from_every_path_join_the_history_once(
    new_leads, admin_client, champion
):
    record_all_outcomes(new_leads, admin_client)
    # A lead of the history sold later, sent again through the API path's
    # storage: it must replace its history row, not be counted twice.
    Lead.objects.create(
        external_id="L00003",
        fields={"Lead ID": "L00003"},
        probability=0.1,
        outcome="won",
        outcome_at=timezone.now(),
        model_version=champion,
    )
    # A lead no model of this history scored has other columns: left out.
    Lead.objects.create(
        external_id="OTHER1",
        fields={"Budget": "50k"},
        probability=0.4,
        outcome="lost",
        outcome_at=timezone.now(),
    )

    data = retraining_set(champion.dataset)

    assert Lead.objects.exclude(outcome="").count() == N_NEW + 2
    assert len(data.y) == N_HISTORY + N_NEW
    assert data.n_feedback == N_NEW + 1
    assert data.y.iloc[-1] in (0, 1) and data.frame["Lead ID"].is_unique
    dated = Lead.objects.get(external_id=sorted(new_leads)[100])
    assert dated.outcome_at.date().isoformat() == "2026-11-01"


def test_a_second_retrain_is_refused_while_one_is_queued(champion, queues):
    jobs.enqueue_retrain(trigger="admin")

    with pytest.raises(jobs.TrainingError, match="already running"):
        jobs.enqueue_retrain(trigger="schedule")
    assert TrainingRun.objects.filter(kind=RunKind.RETRAIN).count() == 1


def fire_schedule(queues, at, monkeypatch, run_jobs) -> None:
    """Move RQ's clock to `at`, let its scheduler enqueue what is due, run it."""
    monkeypatch.setattr("rq.scheduler.current_timestamp", lambda: at.timestamp())
    queue = queues["training"]
    scheduler = RQScheduler([queue], connection=queue.connection)
    scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()
    run_jobs("training")


def test_the_schedule_retrains_and_promotion_rollback_scores_audit_and_chart_agree(
    new_leads,
    admin_client,
    champion,
    run_jobs,
    queues,
    monkeypatch,
    settings,
):
    settings.RETRAIN_CHECK_MINUTES = 10**7  # only the quarter's own tick
    record_all_outcomes(new_leads, admin_client)
    admin_client.post(
        reverse("modeling:schedule"),
        {
            "schedule": "quarterly",
            "min_new_outcomes": 200,
            "promote_margin": 0.01,
            "drift_threshold": 0.25,
            "drift_emails": "",
        },
    )
    policy = RetrainPolicy.current()
    due = policy.next_run_at
    assert due.month in (1, 4, 7, 10) and due.day == 1
    assert schedule.scheduled_at() == due
    page = admin_client.get(reverse("modeling:retraining"))
    assert b"Next retraining" in page.content

    # The clock moves to a minute before the quarter: nothing; then past it.
    fire_schedule(queues, due - timedelta(minutes=1), monkeypatch, run_jobs)
    assert not TrainingRun.objects.filter(kind=RunKind.RETRAIN).exists()
    fire_schedule(queues, due + timedelta(seconds=1), monkeypatch, run_jobs)

    run = TrainingRun.objects.get(kind=RunKind.RETRAIN)
    challenger = ModelVersion.objects.get(run=run)
    comparison = challenger.comparison
    policy.refresh_from_db()
    assert run.trigger == "schedule" and run.status == TrainingRun.Status.SUCCEEDED
    assert ModelVersion.active() == champion and not challenger.is_active
    assert policy.last_run_at == due and policy.next_run_at > due
    assert schedule.scheduled_at() == policy.next_run_at
    [pending] = schedule.pending_ticks()
    assert queues["training"].fetch_job(pending) is not None
    assert comparison.champion == champion
    assert comparison.n_leads + challenger.n_trained == N_HISTORY + N_NEW
    for metrics in (comparison.challenger_metrics, comparison.champion_metrics):
        assert 0.5 < metrics["roc_auc"] <= 1 and metrics["n"] == comparison.n_leads
        assert {"calibration_error", "brier", "lift_top_10"} <= set(metrics)
    page = admin_client.get(reverse("modeling:comparison", args=[challenger.pk]))
    assert page.status_code == 200 and b"Calibration error" in page.content

    # One click promotes it and rescores the open leads.
    open_lead = Lead.objects.create(
        external_id="OPEN1",
        probability=0.5,
        fields={"Source": "Referral"},
        model_version=champion,
    )
    admin_client.post(
        reverse("modeling:promote", args=[challenger.pk]),
        {"reason": "better lift", "rescore": "1"},
    )
    run_jobs("scoring")
    open_lead.refresh_from_db()
    assert ModelVersion.active() == challenger
    assert open_lead.model_version == challenger
    assert open_lead.scores.get().model_version == challenger
    # Leads with an outcome keep the score, tier and version that judged them.
    assert set(
        Lead.objects.exclude(outcome="").values_list("model_version", flat=True)
    ) == {champion.pk}

    admin_client.post(
        reverse("modeling:promote", args=[champion.pk]), {"reason": "sales disliked it"}
    )
    assert ModelVersion.active() == champion
    entries = AuditEntry.objects.filter(subject="model").order_by("at", "pk")
    moves = [
        (e.action, e.details.get("to"), e.reason, e.who)
        for e in entries
        if e.action in ("promoted", "rolled_back")
    ]
    assert moves == [
        ("promoted", challenger.pk, "better lift", "boss"),
        ("rolled_back", champion.pk, "sales disliked it", "boss"),
    ]
    log = admin_client.get(reverse("modeling:audit") + "?subject=model")
    assert b"sales disliked it" in log.content

    rows = tier_performance()
    scored = Lead.objects.exclude(outcome="")
    assert sum(row["n"] for row in rows) == N_NEW == scored.count()
    assert sum(row["n_won"] for row in rows) == scored.filter(outcome="won").count()
    for row in rows:
        leads = scored.filter(tier__name=row["tier"])
        assert row["n"] == leads.count()
        assert row["expected"] == pytest.approx(
            sum(lead.probability for lead in leads) / leads.count()
        )
    health = admin_client.get(reverse("modeling:health"))
    assert health.status_code == 200 and b"chart-tiers" in health.content


def test_the_rule_promotes_only_a_challenger_better_by_the_margin(champion):
    challenger = copy_version(champion)
    run = challenger.run
    Comparison.objects.create(
        challenger=challenger,
        champion=champion,
        n_leads=100,
        challenger_metrics={"roc_auc": 0.80},
        champion_metrics={"roc_auc": 0.78},
    )
    policy = RetrainPolicy.current()
    policy.auto_promote, policy.promote_margin = True, 0.05
    policy.save()

    jobs.decide_promotion(run, challenger)
    assert ModelVersion.active() == champion

    RetrainPolicy.objects.update(promote_margin=0.01)
    jobs.decide_promotion(run, challenger)
    entry = AuditEntry.objects.get(action="promoted")
    assert ModelVersion.active() == challenger
    assert entry.actor is None and entry.who == "automatic rule"
    assert "0.800 vs 0.780" in entry.reason


def copy_version(version: ModelVersion) -> ModelVersion:
    """Return a second stored version sharing the model file, not in use."""
    run = TrainingRun.objects.create(
        dataset=version.dataset, algorithm="logistic", kind=RunKind.RETRAIN
    )
    fields = {
        f.attname: getattr(version, f.attname)
        for f in ModelVersion._meta.concrete_fields
        if f.name not in ("id", "run", "is_active", "created_at")
    }
    return ModelVersion.objects.create(run=run, **fields)


def test_enough_new_outcomes_queue_a_retrain_at_the_next_check(
    new_leads, admin_client, champion, queues, monkeypatch
):
    policy = RetrainPolicy.current()
    # Every outcome counts, the CSV's back-dated ones (November) among them.
    policy.schedule, policy.min_new_outcomes = "outcomes", N_NEW
    schedule.save_policy(policy)
    assert policy.next_run_at is None

    run_tick(queues, monkeypatch)
    assert not TrainingRun.objects.filter(kind=RunKind.RETRAIN).exists()
    record_all_outcomes(new_leads, admin_client)
    run_tick(queues, monkeypatch)

    run = TrainingRun.objects.get(kind=RunKind.RETRAIN)
    assert run.trigger == "outcomes" and run.status == TrainingRun.Status.QUEUED
    assert schedule.scheduled_at() is not None


def run_tick(queues, monkeypatch) -> None:
    """Fire the schedule's pending job and run it alone, here."""
    tick = schedule.scheduled_at()
    monkeypatch.setattr("rq.scheduler.current_timestamp", lambda: tick.timestamp() + 1)
    queue = queues["training"]
    scheduler = RQScheduler([queue], connection=queue.connection)
    scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()
    [fired] = [i for i in queue.job_ids if i.startswith(schedule.TICK_PREFIX)]
    queue.fetch_job(fired).perform()
    queue.remove(fired)


def test_turning_the_schedule_off_removes_its_job(champion, queues):
    policy = schedule.save_policy(RetrainPolicy.current())
    assert schedule.scheduled_at() is not None

    policy.schedule = "off"
    schedule.save_policy(policy)

    assert schedule.scheduled_at() is None and policy.next_run_at is None
    assert AuditEntry.objects.filter(action="scheduled").count() == 2


def run_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_the_retrain_command_prints_challenger_and_champion_and_can_promote(
    new_leads, admin_client, champion, monkeypatch
):
    monkeypatch.setattr("modeling.jobs.WORKER_GRACE_SECONDS", 0)
    record_all_outcomes(new_leads, admin_client)

    code, out, _ = run_command("retrain", "--promote", "--json")

    result = json.loads(out)
    challenger = ModelVersion.objects.exclude(pk=champion.pk).get()
    assert code == 0
    assert result["challenger"]["model_version"] == challenger.pk
    assert result["champion"]["model_version"] == champion.pk
    for role in ("challenger", "champion"):
        assert result[role]["metrics"]["n"] == result["held_out_leads"] > 0
        assert 0.5 < result[role]["metrics"]["roc_auc"] <= 1
    assert result["active"] == challenger.pk and result["promoted"]
    entry = AuditEntry.objects.get(action="promoted")
    assert entry.who == "shell" and "run #" in entry.reason


def test_the_retrain_command_without_a_model_is_one_error_line(queues):
    code, out, err = run_command("retrain")

    assert code == 2 and out == ""
    assert err.strip() == "error: There is no model in use yet; train one first."
