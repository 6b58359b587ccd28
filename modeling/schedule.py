"""When retraining runs: the admin's policy turned into one chain of RQ jobs.

One scheduled job (a fixed ID, so never two) runs at the next check or the
next retraining, whichever is first, and schedules its successor. Workers
started with `--with-scheduler` fire it; nothing is installed in cron.
"""

import logging
from datetime import datetime, timedelta

import django_rq
from django.conf import settings
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import timezone
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job

from modeling.models import RetrainPolicy

logger = logging.getLogger(__name__)

# RQ fires a queue's scheduled jobs only from a worker of that queue started
# with --with-scheduler: bin/run-local and the Procfile start one, and the
# retraining page warns when a check is overdue, as it is without one.
QUEUE = "training"
TICK_PREFIX = "retrain-schedule-"
QUARTER_MONTHS = (1, 4, 7, 10)
# Calendar retrainings start at this local hour, away from office hours.
START_HOUR = 3


def next_run_after(schedule: str, after: datetime) -> datetime | None:
    """Return when the schedule next retrains after `after`, None when off.

    "outcomes" retrains whenever enough outcomes arrived, so it has no date.
    """
    if schedule not in (
        RetrainPolicy.Schedule.MONTHLY,
        RetrainPolicy.Schedule.QUARTERLY,
    ):
        return None
    local = timezone.localtime(after)
    year, month = local.year, local.month + 1
    while True:
        if month > 12:
            year, month = year + 1, 1
        if schedule == RetrainPolicy.Schedule.MONTHLY or month in QUARTER_MONTHS:
            break
        month += 1
    start = datetime(year, month, 1, START_HOUR)
    return timezone.make_aware(start, timezone.get_current_timezone())


def check_interval() -> timedelta:
    return timedelta(minutes=settings.RETRAIN_CHECK_MINUTES)


def next_tick(policy: RetrainPolicy, after: datetime) -> datetime | None:
    """Return when the chain's next job should run: the next check or run."""
    if policy.schedule == RetrainPolicy.Schedule.OFF:
        return None
    check = after + check_interval()
    if policy.next_run_at is None:
        return check
    return min(check, policy.next_run_at)


def save_policy(policy: RetrainPolicy, *, user=None) -> RetrainPolicy:
    """Store the admin's choices, work out the next run and re-arm the chain."""
    from modeling import audit

    policy.next_run_at = next_run_after(policy.schedule, timezone.now())
    policy.updated_by = user
    policy.save()
    audit.record(
        "model",
        "scheduled",
        f"Retraining: {policy.get_schedule_display()}",
        object_id="schedule",
        user=user,
        details={
            "schedule": policy.schedule,
            "auto_promote": policy.auto_promote,
            "margin": policy.promote_margin,
        },
    )
    arm(policy, timezone.now())
    return policy


def arm(policy: RetrainPolicy, after: datetime) -> datetime | None:
    """Replace the chain's scheduled job with one at the next tick after `after`.

    Each tick has its own job ID: the running tick arms its successor, and
    RQ's clean-up of the finished job must not touch the new one.
    """
    queue = django_rq.get_queue(QUEUE)
    disarm()
    when = next_tick(policy, after)
    if when is None:
        return None
    from modeling.jobs import scheduled_retrain_job  # jobs import this module

    job_id = f"{TICK_PREFIX}{int(when.timestamp())}"
    queue.enqueue_at(when, scheduled_retrain_job, when.isoformat(), job_id=job_id)
    logger.info("Retraining schedule: next check at %s", when.isoformat())
    return when


def pending_ticks() -> list[str]:
    """Return the IDs of the chain's jobs waiting for their time."""
    registry = django_rq.get_queue(QUEUE).scheduled_job_registry
    return [i for i in registry.get_job_ids() if i.startswith(TICK_PREFIX)]


def disarm() -> None:
    """Remove the chain's pending jobs, if any."""
    queue = django_rq.get_queue(QUEUE)
    for job_id in pending_ticks():
        queue.scheduled_job_registry.remove(job_id)
        try:
            Job.fetch(job_id, connection=queue.connection).delete()
        except NoSuchJobError:
            pass


def scheduled_at() -> datetime | None:
    """Return when the chain's next job is due, None if the chain is not armed."""
    registry = django_rq.get_queue(QUEUE).scheduled_job_registry
    times = [registry.get_scheduled_time(job_id) for job_id in pending_ticks()]
    return min(times, default=None)


def ensure_armed() -> None:
    """Arm the chain when it is missing (a fresh install, a flushed Redis)."""
    queue = django_rq.get_queue(QUEUE)
    running = queue.job_ids + queue.started_job_registry.get_job_ids()
    if pending_ticks() or any(i.startswith(TICK_PREFIX) for i in running):
        return
    policy = RetrainPolicy.current()
    if policy.next_run_at is None and policy.schedule != RetrainPolicy.Schedule.OFF:
        policy.next_run_at = next_run_after(policy.schedule, timezone.now())
        policy.save(update_fields=["next_run_at"])
    arm(policy, timezone.now())


@receiver(post_migrate)
def _arm_after_migrate(sender, app_config=None, plan=None, **kwargs) -> None:
    # Every release runs migrate, so the default schedule starts by itself; a
    # flush (between tests) sends no plan and is left alone.
    if plan is None or app_config is None or app_config.label != "modeling":
        return
    try:
        ensure_armed()
    except RedisError as error:
        logger.warning(
            "Retraining schedule: Redis unavailable (%s); the "
            "schedule starts when an admin opens its page",
            error,
        )
