"""Background jobs that train models (RQ queue `training`)."""

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.worker import Worker

from datasets.errors import DatasetError
from datasets.models import Dataset
from modeling import audit, schedule
from modeling.errors import TrainingError
from modeling.models import (
    ModelVersion,
    RetrainPolicy,
    RunKind,
    TrainingCancelled,
    TrainingRun,
)
from modeling.runs import train_version

logger = logging.getLogger(__name__)

QUEUE = "training"


def enqueue_training(
    dataset: Dataset,
    *,
    algorithm: str,
    time_order: str = "",
    put_in_use: bool = False,
    user=None,
    is_async: bool = True,
) -> TrainingRun:
    """Create a training run for the dataset and queue its job.

    `put_in_use` makes the model replace the one in use when it is done.
    """
    run = TrainingRun.objects.create(
        dataset=dataset,
        algorithm=algorithm,
        time_order=time_order,
        promote=put_in_use,
        created_by=user,
    )
    run.job_id = f"training-run-{run.pk}"
    run.save(update_fields=["job_id"])
    # django-rq sends the job once the transaction commits, so a worker can
    # never pick up a run whose row it cannot see yet.
    django_rq.get_queue(QUEUE, is_async=is_async).enqueue(
        train_model_job, run.pk, job_id=run.job_id
    )
    return run


def train_model_job(run_id: int) -> int | None:
    """Train the run's model; record progress and any failure on the run."""
    run = TrainingRun.objects.select_related("dataset").get(pk=run_id)
    if run.is_finished or run.cancel_requested:
        return None
    run.mark_running()
    try:
        version = train_version(run)
    except TrainingCancelled:
        logger.info("TrainingRun %s: cancelled", run.pk)
        run.mark_failed(
            "Cancelled. The model in use was not changed.",
            status=TrainingRun.Status.CANCELLED,
        )
        return None
    except (DatasetError, TrainingError) as error:
        logger.info("TrainingRun %s: cannot train: %s", run.pk, error)
        run.mark_failed(str(error))
        return None
    except Exception:
        logger.exception("TrainingRun %s: failed", run.pk)
        run.mark_failed(
            f"Training stopped because of a problem on our side (run #{run.pk}). "
            "The previous model is still in use; try again, and tell your "
            "administrator if it happens again."
        )
        raise
    run.mark_succeeded()

    from routing.jobs import enqueue_scoring  # routing depends on modeling

    enqueue_scoring(run.dataset, version)
    return version.pk


def cancel_training(run: TrainingRun) -> None:
    """Stop a queued run at once, and a running one at its next stage."""
    if run.is_finished:
        return
    TrainingRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    job = django_rq.get_queue(QUEUE).fetch_job(run.job_id)
    if run.status == TrainingRun.Status.QUEUED and job is not None:
        job.cancel()
        run.mark_failed(
            "Cancelled before it started.", status=TrainingRun.Status.CANCELLED
        )


# --- retraining, the schedule, dead jobs (issue 6) ---

RETRAIN_BUSY = "A retraining is already running (run #{pk}); wait for it to finish."
DIED = (
    "The worker running this training stopped before it finished (restarted, "
    "killed or out of memory). The model in use was not changed; start it again."
)
# A queued job the database knows but Redis does not, younger than this, may
# still be on its way (it is sent when the transaction commits).
MISSING_JOB_GRACE = timedelta(seconds=60)
DRIFT_EVERY = timedelta(hours=20)


def enqueue_retrain(
    *,
    trigger: str,
    promote: bool = False,
    user=None,
    is_async: bool = True,
) -> TrainingRun:
    """Queue a retraining of the active model on its history plus new outcomes.

    With `promote` the result is put in use when it succeeds; otherwise it
    waits as a challenger (unless the policy's rule promotes it). Raises
    TrainingError when there is no model yet or a retraining is running.
    """
    reap_dead_runs()
    with transaction.atomic():
        # The policy row is the lock: two triggers at once queue one run.
        RetrainPolicy.objects.select_for_update().filter(
            pk=RetrainPolicy.current().pk
        ).first()
        busy = TrainingRun.objects.filter(
            kind=RunKind.RETRAIN,
            status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING],
        ).first()
        if busy is not None:
            raise TrainingError(RETRAIN_BUSY.format(pk=busy.pk))
        champion = ModelVersion.active()
        if champion is None:
            raise TrainingError("There is no model in use yet; train one first.")
        run = TrainingRun.objects.create(
            dataset=champion.dataset,
            algorithm=champion.algorithm,
            kind=RunKind.RETRAIN,
            trigger=trigger,
            promote=promote,
            created_by=user,
        )
        run.job_id = f"training-run-{run.pk}"
        run.save(update_fields=["job_id"])
        django_rq.get_queue(QUEUE, is_async=is_async).enqueue(
            retrain_model_job, run.pk, job_id=run.job_id
        )
    logger.info("TrainingRun %s: retraining queued (%s)", run.pk, trigger)
    return run


def retrain_model_job(run_id: int) -> int | None:
    """Train a challenger; promote it if asked or if the rule says it wins."""
    from modeling.retraining import train_challenger

    run = TrainingRun.objects.select_related("dataset").get(pk=run_id)
    if run.is_finished or run.cancel_requested:
        return None
    champion = ModelVersion.active()
    run.mark_running()
    try:
        version = train_challenger(run, champion)
    except TrainingCancelled:
        run.refresh_from_db()
        if not run.is_finished:  # else the reaper already said why it stopped
            run.mark_failed(
                "Cancelled. The model in use was not changed.",
                status=TrainingRun.Status.CANCELLED,
            )
        return None
    except (DatasetError, TrainingError) as error:
        logger.info("TrainingRun %s: cannot retrain: %s", run.pk, error)
        run.mark_failed(str(error))
        return None
    except Exception:
        logger.exception("TrainingRun %s: retraining failed", run.pk)
        run.mark_failed(
            f"Retraining stopped because of a problem on our side (run #{run.pk}). "
            "The model in use was not changed."
        )
        raise
    run.mark_succeeded()
    decide_promotion(run, version)
    return version.pk


def decide_promotion(run: TrainingRun, version: ModelVersion) -> None:
    """Put the challenger in use when asked, or when the policy's rule says so."""
    from modeling.comparison import beats
    from modeling.promotion import make_active

    policy = RetrainPolicy.current()
    comparison = getattr(version, "comparison", None)
    wins = comparison is not None and beats(comparison, policy.promote_margin)
    if run.promote:
        who = {"user": run.created_by} if run.created_by else {"actor_label": "shell"}
        make_active(version, reason=f"Promoted when retrained (run #{run.pk}).", **who)
    elif policy.auto_promote and wins:
        new = comparison.challenger_metrics["roc_auc"]
        old = comparison.champion_metrics.get("roc_auc")
        make_active(
            version,
            actor_label="automatic rule",
            reason=f"ROC AUC {new:.3f} vs {old or 0:.3f} on the same "
            f"{comparison.n_leads} recent leads; the rule asks for "
            f"{policy.promote_margin:.3f} more.",
        )


def scheduled_retrain_job(planned: str) -> int | None:
    """The schedule's job: reap dead runs, retrain when due, check drift, re-arm.

    `planned` is when this job was meant to run: the schedule is reckoned from
    it, so a late worker does not shift every later run.
    """
    policy = RetrainPolicy.current()
    when = datetime.fromisoformat(planned)
    if policy.schedule == RetrainPolicy.Schedule.OFF:
        return None
    try:
        return run_due_work(policy, when)
    finally:
        # Whatever happened above, the chain goes on.
        schedule.arm(policy, max(when, timezone.now()))


def run_due_work(policy: RetrainPolicy, when: datetime) -> int | None:
    """Reap dead runs, start a retraining if one is due, check drift daily."""
    reap_dead_runs()
    run_id = None
    trigger = due_trigger(policy, when)
    if trigger:
        try:
            run_id = enqueue_retrain(trigger=trigger).pk
        except TrainingError as error:
            logger.info("Retraining schedule: not started: %s", error)
        policy.last_run_at = when
        policy.next_run_at = schedule.next_run_after(policy.schedule, when)
        policy.save(update_fields=["last_run_at", "next_run_at"])
    check_drift_quietly()
    return run_id


def due_trigger(policy: RetrainPolicy, when: datetime) -> str:
    """Return why a retraining is due at `when` ("schedule", "outcomes"), or ""."""
    from routing.models import Lead  # routing builds on modeling

    if policy.next_run_at is not None and when >= policy.next_run_at:
        return "schedule"
    if policy.schedule != RetrainPolicy.Schedule.OUTCOMES:
        return ""
    # Counted by when they were recorded, not their date: a CSV of outcomes
    # dated last month, uploaded today, is news to the model.
    since = policy.last_run_at or getattr(ModelVersion.active(), "created_at", None)
    new = Lead.objects.exclude(outcome="")
    if since is not None:
        new = new.filter(outcome_recorded_at__gt=since)
    return "outcomes" if new.count() >= policy.min_new_outcomes else ""


def check_drift_quietly() -> None:
    """Check drift if the last check is a day old; never raise."""
    from modeling.models import DriftCheck
    from modeling.monitoring import check_drift

    last = DriftCheck.objects.first()
    if last and timezone.now() - last.checked_at < DRIFT_EVERY:
        return
    try:
        check_drift()
    except Exception:
        # The schedule must re-arm even when a drift check fails.
        logger.exception("Drift check failed")


def reap_dead_runs() -> list[TrainingRun]:
    """Mark failed every unfinished run whose job or worker is gone; return them.

    A worker killed mid-job cannot record anything itself, so without this
    its run would say "training" for ever.
    """
    queue = django_rq.get_queue(QUEUE)
    dead = []
    unfinished = TrainingRun.objects.filter(
        status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]
    ).exclude(job_id="")
    for run in unfinished:
        if job_is_dead(queue, run):
            # Should a work-horse outlive its worker, it stops at its next stage.
            TrainingRun.objects.filter(pk=run.pk).update(cancel_requested=True)
            run.mark_failed(DIED)
            logger.warning("TrainingRun %s: its worker died; marked failed", run.pk)
            dead.append(run)
    return dead


def job_is_dead(queue, run: TrainingRun) -> bool:
    """Return whether the run's RQ job can no longer finish."""
    try:
        job = Job.fetch(run.job_id, connection=queue.connection)
    except NoSuchJobError:
        return timezone.now() - run.created_at > MISSING_JOB_GRACE
    status = job.get_status(refresh=True)
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return True
    if status == JobStatus.FINISHED:
        # Finished without recording an end: the row's own update was lost.
        return True
    if status != JobStatus.STARTED:
        return False
    if not worker_is_alive(queue, job.worker_name):
        fail_rq_job(queue, job)
        return True
    return False


def worker_is_alive(queue, name: str | None) -> bool:
    """Return whether the named worker still runs, by its process when it is on
    this machine, by its heartbeat otherwise."""
    if not name:
        return False
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + name, connection=queue.connection
    )
    if worker is None:
        return False
    if worker.hostname == socket.gethostname() and worker.pid:
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    beat = worker.last_heartbeat
    silent = (timezone.now() - beat).total_seconds() if beat else 0
    return silent < settings.WORKER_DEAD_AFTER_SECONDS


def fail_rq_job(queue, job: Job) -> None:
    """Move an abandoned job to RQ's failed jobs, as RQ's own clean-up would."""
    with queue.connection.pipeline() as pipeline:
        job.set_status(JobStatus.FAILED, pipeline=pipeline)
        queue.failed_job_registry.add(job, exc_string=DIED, pipeline=pipeline)
        pipeline.execute()


def enqueue_rescore_all(version: ModelVersion, *, user=None) -> str:
    """Queue the rescoring of every open lead with `version`; return the job ID."""
    job = django_rq.get_queue("scoring").enqueue(rescore_all_job, version.pk)
    audit.record(
        "model",
        "rescored",
        f"Rescoring every open lead with v{version.pk}",
        object_id=version.pk,
        user=user,
    )
    return job.id


def rescore_all_job(version_id: int) -> int:
    """Rescore every open lead with the version; return how many."""
    from modeling.rescoring import rescore_open_leads

    return rescore_open_leads(ModelVersion.objects.get(pk=version_id))


# How long a worker gets to pick up a run before a waiting command runs it.
WORKER_GRACE_SECONDS = 3.0
POLL_SECONDS = 0.5


def wait_for_run(
    run: TrainingRun, perform: Callable[[int], object], *, timeout: int
) -> TrainingRun:
    """Wait for a worker to finish the run; if none takes its job within a few
    seconds, take the job back from the queue and `perform` it here.

    The shell commands use this, so they finish whether or not a worker runs.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        run.refresh_from_db()
        if run.is_finished:
            return run
        idle = time.monotonic() - started > WORKER_GRACE_SECONDS
        if idle and run.status == TrainingRun.Status.QUEUED and _take_back(run):
            perform(run.pk)
            continue
        time.sleep(POLL_SECONDS)
    raise TrainingError(f"Training run {run.pk} did not finish in {timeout}s.")


def _take_back(run: TrainingRun) -> bool:
    """Remove the run's job from its queue; True if no worker had it yet."""
    return bool(django_rq.get_queue(QUEUE).remove(run.job_id))
