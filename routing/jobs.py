"""Background jobs that score uploaded leads (RQ queue `scoring`)."""

import logging
import tempfile
from pathlib import Path

import django_rq
from django.core.files import File

from datasets.errors import DatasetError
from datasets.intake import load_table, outcome_of
from datasets.models import Dataset
from modeling.errors import TrainingError
from modeling.models import ModelVersion
from routing.leads import score_file
from routing.models import ScoringRun

logger = logging.getLogger(__name__)

QUEUE = "scoring"


def enqueue_scoring(
    dataset: Dataset, version: ModelVersion, *, is_async: bool = True
) -> ScoringRun:
    """Queue the scoring of an upload's open leads by a model version."""
    run = ScoringRun.objects.create(dataset=dataset, model_version=version)
    django_rq.get_queue(QUEUE, is_async=is_async).enqueue(
        score_dataset_job, run.pk, job_id=f"scoring-run-{run.pk}"
    )
    return run


def score_dataset_job(scoring_run_id: int) -> int:
    """Score the run's upload and store its leads; return how many."""
    run = ScoringRun.objects.select_related("dataset", "model_version").get(
        pk=scoring_run_id
    )
    run.mark(ScoringRun.Status.RUNNING)
    try:
        frame = open_leads(run.dataset, like=run.model_version.dataset)
        count = _score_to_file(run, frame)
    except (DatasetError, TrainingError) as error:
        run.mark(ScoringRun.Status.FAILED, error=str(error))
        return 0
    except Exception:
        logger.exception("ScoringRun %s: failed", run.pk)
        run.mark(
            ScoringRun.Status.FAILED,
            error=f"Scoring stopped because of a problem on our side "
            f"(scoring run #{run.pk}). Try again.",
        )
        raise
    run.mark(ScoringRun.Status.SUCCEEDED, n_scored=count)
    return count


def _score_to_file(run: ScoringRun, frame) -> int:
    # Known limit: the upload is read whole (datasets' reader) before it is
    # scored in chunks, so a very large file needs memory for its table, and
    # one worker scores it.
    run.n_total = len(frame)
    run.save(update_fields=["n_total"])
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as out:
        count = score_file(
            frame,
            run.model_version,
            out,
            dataset=run.dataset,
            progress=run.report_progress,
        )
        out.seek(0)
        name = f"{Path(run.dataset.original_name).stem}-scored.csv"
        run.output.save(name, File(out), save=False)
    run.save(update_fields=["output"])
    return count


def open_leads(dataset: Dataset, *, like: Dataset | None = None):
    """Return the upload's rows to score: every row of a new-leads file, the
    rows without an outcome of a history; cleaned like the model's history."""
    frame = load_table(dataset, like=like)
    if dataset.purpose == Dataset.Purpose.HISTORY and dataset.target_column:
        frame = frame[outcome_of(dataset, frame).isna().to_numpy()]
    return frame
