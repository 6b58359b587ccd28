"""Background jobs that score uploaded leads (RQ queue `scoring`).

A scoring run is made of jobs: one cuts the upload into chunks, one job per
chunk scores and stores its rows (any number of workers on any machine share
them), and a last one, which RQ starts once every chunk job has ended however
it ended, puts the download together or marks the run failed. A small job
after the first one fails the run should the first die without a word.
"""

import codecs
import hashlib
import logging
import pickle
import tempfile
from pathlib import Path

import django_rq
import pandas as pd
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rq.job import Dependency, JobStatus

from datasets.errors import DatasetError
from datasets.intake import load_uncleaned, outcome_of, received_rows
from datasets.models import Dataset
from modeling.errors import TrainingError
from modeling.models import ModelVersion
from modeling.scoring import check_columns
from routing.leads import (
    FILE_CHUNK,
    forget_unnamed_leads,
    identifier_column,
    rows_to_store,
    score_chunk,
)
from routing.models import ScoringRun

logger = logging.getLogger(__name__)

QUEUE = "scoring"
CHUNKS = "scoring-chunks"


def enqueue_scoring(
    dataset: Dataset, version: ModelVersion, *, is_async: bool = True
) -> ScoringRun:
    """Queue the scoring of an upload's open leads by a model version."""
    run = ScoringRun.objects.create(dataset=dataset, model_version=version)
    queue = django_rq.get_queue(QUEUE, is_async=is_async)
    cut = queue.enqueue(score_dataset_job, run.pk, is_async, job_id=_cut_job_id(run.pk))
    # Runs however that job ends, even if its worker is killed (reading a
    # large file takes memory), so a run never waits for ever.
    queue.enqueue(
        check_cut_job,
        run.pk,
        job_id=f"{_cut_job_id(run.pk)}-check",
        depends_on=Dependency(jobs=[cut], allow_failure=True),
    )
    return run


def score_dataset_job(scoring_run_id: int, is_async: bool = True) -> int:
    """Cut the run's upload into chunks and queue their jobs and the job that
    finishes the run; return the number of chunks."""
    run = ScoringRun.objects.select_related("dataset", "model_version").get(
        pk=scoring_run_id
    )
    run.mark(ScoringRun.Status.RUNNING)
    try:
        frame = open_leads(run.dataset, like=run.model_version.dataset)
        check_columns(run.model_version, list(frame.columns))
        chunks = save_chunks(run, frame)
        _enqueue_chunks(run, chunks, is_async=is_async)
    except (DatasetError, TrainingError) as error:
        run.mark(ScoringRun.Status.FAILED, error=str(error))
        return 0
    except Exception:
        logger.exception("ScoringRun %s: failed", run.pk)
        run.mark(ScoringRun.Status.FAILED, error=_our_side(run))
        raise
    logger.info("ScoringRun %s: %s rows in %s chunks", run.pk, len(frame), len(chunks))
    return len(chunks)


def check_cut_job(scoring_run_id: int) -> bool:
    """Fail the run if the job that cuts its upload ended without running
    to its end (its worker died); return whether it did."""
    cut = django_rq.get_queue(QUEUE).fetch_job(_cut_job_id(scoring_run_id))
    if cut is None or cut.get_status() == JobStatus.FINISHED:
        return False  # it ran to its end, having marked the run if it had to
    run = ScoringRun.objects.get(pk=scoring_run_id)
    return run.fail(_our_side(run))


def open_leads(dataset: Dataset, *, like: Dataset | None = None):
    """Return the upload's rows to score: every row of a new-leads file, the
    rows without an outcome of a history; as read, joined like the model's
    history (scoring applies the history's clean-up)."""
    frame = load_uncleaned(dataset, like=like)
    if dataset.purpose == Dataset.Purpose.HISTORY and dataset.target_column:
        frame = frame[outcome_of(dataset, frame).isna().to_numpy()]
    return frame


def save_chunks(run: ScoringRun, frame: pd.DataFrame) -> list[dict]:
    """Store the rows in chunks for the chunk jobs; return each chunk's job
    arguments (where it starts, its file and the file's SHA-256).

    Each chunk holds its rows as read (to score and store) and the same rows'
    cells as received (to write back in the download).
    """
    # Known limit: the upload is read whole (datasets' reader) once, to cut
    # it; a very large file needs memory for its table in this one job.
    forget_unnamed_leads(run.dataset)
    store = rows_to_store(frame, identifier_column(run.dataset))
    starts = range(0, len(frame), FILE_CHUNK)
    run.n_total, run.n_chunks = len(frame), len(starts)
    run.save(update_fields=["n_total", "n_chunks"])
    cells = received_rows(
        run.dataset, frame.index.to_numpy(), list(frame.columns), size=FILE_CHUNK
    )
    chunks = []
    for number, start in enumerate(starts):
        part = slice(start, start + FILE_CHUNK)
        rows = frame.iloc[part]
        content = pickle.dumps(
            (rows, _as_received(next(cells, None), rows), store[part]), protocol=5
        )
        name = _chunk_name(run, number, "in.pickle")
        default_storage.delete(name)
        chunks.append(
            {
                "number": number,
                "first_row": start,
                "name": default_storage.save(name, ContentFile(content)),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )
    return chunks


def _as_received(cells: pd.DataFrame | None, rows: pd.DataFrame) -> pd.DataFrame:
    """Return the rows' cells as received, or the rows as read should the two
    readings of the file disagree on its rows (the download then shows the
    values read, never another row's)."""
    if cells is not None and len(cells) == len(rows):
        return cells
    logger.warning("Cells as received do not line up with the rows read")
    return rows


def _enqueue_chunks(run: ScoringRun, chunks: list[dict], *, is_async: bool) -> None:
    queue = django_rq.get_queue(QUEUE, is_async=is_async)
    jobs = [
        queue.enqueue(
            score_chunk_job,
            run.pk,
            chunk,
            job_id=f"scoring-run-{run.pk}-chunk-{chunk['number']}",
        )
        for chunk in chunks
    ]
    # Runs once every chunk job has ended, even one whose worker died, so a
    # run never waits for ever.
    queue.enqueue(
        finish_scoring_job,
        run.pk,
        job_id=f"scoring-run-{run.pk}-finish",
        depends_on=Dependency(jobs=jobs, allow_failure=True) if jobs else None,
    )


def score_chunk_job(scoring_run_id: int, chunk: dict) -> int:
    """Score and store one chunk of the run's upload and write its part of
    the download; return how many rows it scored."""
    run = ScoringRun.objects.select_related("dataset", "model_version").get(
        pk=scoring_run_id
    )
    if run.status != ScoringRun.Status.RUNNING:
        return 0  # another chunk failed: the run's result is already known
    try:
        count = _score_stored_chunk(run, chunk)
    except (DatasetError, TrainingError) as error:
        run.fail(str(error))
        return 0
    except Exception:
        logger.exception("ScoringRun %s: chunk %s failed", run.pk, chunk["number"])
        run.fail(_our_side(run))
        raise
    run.count_chunk()
    return count


def _score_stored_chunk(run: ScoringRun, chunk: dict) -> int:
    rows, cells, store = _read_chunk(chunk)
    with tempfile.TemporaryFile("w+b") as out:
        count = score_chunk(
            rows,
            run.model_version,
            out,
            dataset=run.dataset,
            cells=cells,
            first_row=chunk["first_row"],
            store=store,
            progress=run.count_scored,
        )
        out.seek(0)
        name = _chunk_name(run, chunk["number"], "out.csv")
        default_storage.delete(name)
        default_storage.save(name, File(out))
    return count


def _read_chunk(chunk: dict) -> tuple:
    with default_storage.open(chunk["name"], "rb") as handle:
        content = handle.read()
    # Unpickling runs code: only the bytes this run wrote are accepted, as
    # the checksum in the job (kept in Redis with the job itself) says.
    if hashlib.sha256(content).hexdigest() != chunk["sha256"]:
        raise RuntimeError(f"chunk file {chunk['name']} changed after it was written")
    return pickle.loads(content)


def finish_scoring_job(scoring_run_id: int) -> str:
    """Put the download together from the chunks in order and mark the run
    done, or failed if a chunk did not finish; return the run's status."""
    run = ScoringRun.objects.select_related("dataset").get(pk=scoring_run_id)
    try:
        if run.status == ScoringRun.Status.RUNNING and (
            run.n_chunks_done == run.n_chunks
        ):
            _assemble_output(run)
            run.mark(ScoringRun.Status.SUCCEEDED, n_scored=run.n_total)
        else:
            run.fail(_our_side(run))
    except Exception:
        logger.exception("ScoringRun %s: the download could not be made", run.pk)
        run.fail(_our_side(run))
        raise
    finally:
        _remove_chunks(run)
    logger.info("ScoringRun %s: %s", run.pk, run.status)
    return run.status


def _assemble_output(run: ScoringRun) -> None:
    with tempfile.TemporaryFile("w+b") as out:
        # The byte order mark makes Excel read the file as UTF-8; without it
        # accented names come out garbled.
        out.write(codecs.BOM_UTF8)
        for number in range(run.n_chunks):
            with default_storage.open(_chunk_name(run, number, "out.csv")) as part:
                for block in iter(lambda: part.read(1 << 20), b""):
                    out.write(block)
        out.seek(0)
        run.output.save(scored_name(run.dataset.original_name), File(out), save=False)
    run.save(update_fields=["output"])


def scored_name(original_name: str) -> str:
    """Return the download's file name for an upload's name."""
    return f"{Path(original_name).stem}-scored.csv"


def _remove_chunks(run: ScoringRun) -> None:
    folder = _chunk_name(run, 0, "").rsplit("/", 1)[0]
    if not default_storage.exists(folder):
        return
    for name in default_storage.listdir(folder)[1]:
        default_storage.delete(f"{folder}/{name}")
    try:
        Path(default_storage.path(folder)).rmdir()
    except (NotImplementedError, OSError):
        pass  # an object store has no folders to leave behind


def _chunk_name(run: ScoringRun, number: int, kind: str) -> str:
    return f"{CHUNKS}/run-{run.pk}/{number:05d}-{kind}"


def _cut_job_id(scoring_run_id: int) -> str:
    return f"scoring-run-{scoring_run_id}"


def _our_side(run: ScoringRun) -> str:
    return (
        f"Scoring stopped because of a problem on our side (scoring run "
        f"#{run.pk}). Try again."
    )
