"""Turn a mapped upload into a stored, active model version."""

import logging
import time

from datasets.intake import load_table, outcome_of
from datasets.models import Dataset
from modeling.artifacts import library_versions, save_pipeline
from modeling.errors import TrainingError
from modeling.features import usable_columns
from modeling.models import ModelVersion, TrainingRun
from modeling.training import split_by_outcome, train_and_evaluate

logger = logging.getLogger(__name__)


def feature_kinds(dataset: Dataset) -> dict[str, str]:
    """Return the mapped feature columns a model can use, with their kind."""
    kinds = dataset.kinds()
    columns = usable_columns(kinds, dataset.feature_columns())
    if not columns:
        raise TrainingError(
            "Every column is excluded or unusable, so there is nothing to learn "
            "from. Include at least one column that describes the leads."
        )
    return {column: kinds[column] for column in columns}


def train_version(run: TrainingRun) -> ModelVersion:
    """Train, measure and store a model for the run's dataset; activate it.

    The previous active model stays active until this one is fully saved.
    """
    started = time.monotonic()
    dataset = run.dataset
    if not dataset.is_mapped:
        raise TrainingError("Choose the outcome column before training.")
    frame = load_table(dataset)
    kinds = feature_kinds(dataset)
    labelled, y, open_rows = split_by_outcome(frame, outcome_of(dataset, frame))

    run.report_progress(10, "Preparing the columns")
    trained = train_and_evaluate(
        labelled, y, kinds, run.algorithm, progress=run.report_progress
    )

    run.report_progress(95, "Saving the model")
    name, checksum = save_pipeline(trained.pipeline)
    version = ModelVersion.objects.create(
        run=run,
        dataset=dataset,
        algorithm=run.algorithm,
        feature_columns=list(kinds),
        column_kinds=kinds,
        target={
            "column": dataset.target_column,
            "positive": dataset.positive_values,
            "negative": dataset.negative_values,
        },
        excluded=dataset.excluded,
        metrics=trained.metrics | {"fit_seconds": time.monotonic() - started},
        importances=trained.importances,
        baseline_row=trained.baseline_row,
        holdout=trained.holdout,
        n_trained=len(labelled),
        n_open=len(open_rows),
        artifact=name,
        checksum=checksum,
        library_versions=library_versions(),
    )
    version.activate()
    logger.info(
        "TrainingRun %s: model %s, AUC %.3f in %.0fs",
        run.pk, version.pk, trained.metrics["roc_auc"], time.monotonic() - started,
    )
    return version
