"""Background jobs that train models (RQ queue `training`)."""

import logging

import django_rq

from datasets.errors import DatasetError
from datasets.models import Dataset
from modeling.errors import TrainingError
from modeling.models import TrainingCancelled, TrainingRun
from modeling.runs import train_version

logger = logging.getLogger(__name__)

QUEUE = "training"


def enqueue_training(
    dataset: Dataset,
    *,
    algorithm: str,
    time_order: str = "",
    user=None,
    is_async: bool = True,
) -> TrainingRun:
    """Create a training run for the dataset and queue its job."""
    run = TrainingRun.objects.create(
        dataset=dataset, algorithm=algorithm, time_order=time_order, created_by=user
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
        run.mark_failed("Cancelled. The model in use was not changed.",
                        status=TrainingRun.Status.CANCELLED)
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
        run.mark_failed("Cancelled before it started.",
                        status=TrainingRun.Status.CANCELLED)
