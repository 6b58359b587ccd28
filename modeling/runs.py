"""Turn a mapped upload into a stored, active model version."""

import hashlib
import logging
import time

import pandas as pd

from datasets.intake import load_table, outcome_of
from datasets.models import Dataset
from datasets.sample import is_sample
from modeling.artifacts import library_versions, save_pipeline
from modeling.drift import reference_profile
from modeling.errors import TrainingError
from modeling.features import usable_columns
from modeling.models import ROW_ORDER, ModelVersion, TrainingRun
from modeling.promotion import make_active
from modeling.training import TrainedModel, split_by_outcome, train_and_evaluate

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


def time_order(frame: pd.DataFrame, choice: str) -> pd.Series | None:
    """Return what orders the leads in time for this run, if anything."""
    if not choice:
        return None
    if choice == ROW_ORDER:
        return pd.Series(range(len(frame)), index=frame.index, dtype="float64")
    if choice not in frame.columns:
        raise TrainingError(f"There is no column called {choice!r} to order leads by.")
    dates = pd.to_datetime(frame[choice], errors="coerce", format="mixed", utc=True)
    if dates.notna().mean() < 0.5:
        raise TrainingError(
            f"Most values of {choice!r} are not dates, so it cannot order the "
            "leads in time. Pick another column or shuffle instead."
        )
    return dates


def fingerprint(frame: pd.DataFrame, y: pd.Series) -> str:
    """Return a SHA-256 of the training rows and their outcomes."""
    hashes = pd.util.hash_pandas_object(frame.assign(__y=y), index=False)
    return hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()


def train_version(run: TrainingRun) -> ModelVersion:
    """Train, measure and store a model for the run's dataset.

    The first model goes into use at once. When one is already in use, the
    new one replaces it only if the run asks to (`promote`, an admin's
    choice); otherwise it waits beside it, so a worse model never takes over
    by itself. Either way the model in use keeps scoring until this one is
    fully saved.
    """
    started = time.monotonic()
    dataset = run.dataset
    if not dataset.is_mapped:
        raise TrainingError("Choose the outcome column before training.")
    frame = load_table(dataset)
    kinds = feature_kinds(dataset)
    labelled, y, open_rows = split_by_outcome(frame, outcome_of(dataset, frame))

    run.report_progress(5, "Preparing the columns")
    trained = train_and_evaluate(
        labelled,
        y,
        kinds,
        run.algorithm,
        order=time_order(labelled, run.time_order),
        thresholds=tier_thresholds(),
        progress=run.report_progress,
    )

    run.report_progress(95, "Saving the model")
    seconds = time.monotonic() - started
    version = store_version(
        run, trained, labelled, y, kinds, seconds=seconds, n_open=len(open_rows)
    )
    put_in_use(version, run)
    logger.info(
        "TrainingRun %s: model %s, AUC %.3f in %.0fs",
        run.pk,
        version.pk,
        trained.metrics["roc_auc"],
        seconds,
    )
    return version


def put_in_use(version: ModelVersion, run: TrainingRun) -> None:
    """Activate a first-trained version when nothing is in use, when only the
    sample data's model is, or when asked."""
    active = ModelVersion.active()
    if active is None:
        version.activate()
    elif is_sample(active.dataset) and not is_sample(run.dataset):
        make_active(version, reason="The first model on real leads replaces the sample")
        # The sample's leads are made up: they must not reach a sales list.
        from routing.models import Lead  # routing builds on modeling

        Lead.objects.filter(model_version__dataset=active.dataset).delete()
    elif run.promote:
        make_active(
            version,
            user=run.created_by,
            reason="Chosen when training started on " + run.dataset.original_name,
        )


def store_version(
    run: TrainingRun,
    trained: TrainedModel,
    frame: pd.DataFrame,
    y: pd.Series,
    kinds: dict[str, str],
    *,
    seconds: float,
    n_open: int = 0,
) -> ModelVersion:
    """Store a trained model as a version, not (yet) in use.

    `frame` and `y` are the rows it learned from: their fingerprint and
    distributions (the reference for drift) are kept with it.
    """
    dataset = run.dataset
    name, checksum = save_pipeline(trained.model)
    return ModelVersion.objects.create(
        run=run,
        dataset=dataset,
        algorithm=trained.algorithm,
        feature_columns=list(kinds),
        column_kinds=kinds,
        target={
            "column": dataset.target_column,
            "positive": dataset.positive_values,
            "negative": dataset.negative_values,
        },
        excluded=dataset.excluded,
        cleanup=cleanup_of(dataset, list(kinds)),
        metrics=trained.metrics | {"fit_seconds": seconds},
        importances=trained.importances,
        baseline_row=trained.baseline_row,
        holdout=trained.holdout,
        validation=trained.validation,
        segments=trained.segments,
        curves=trained.curves,
        candidates=trained.candidates,
        fingerprint=fingerprint(frame, y),
        n_trained=len(frame),
        n_open=n_open,
        artifact=name,
        checksum=checksum,
        library_versions=library_versions(),
        # The values "next tier" tries ride along with the training
        # distributions, so no migration is needed for them.
        reference=reference_profile(frame, kinds, trained.holdout["proba"])
        | {"changes": trained.changes},
    )


def cleanup_of(dataset: Dataset, columns: list[str]) -> dict:
    """Return the history's accepted clean-up of the model's columns."""
    return {
        "merges": {c: g for c, g in dataset.merges.items() if c in columns},
        "kept_values": {c: v for c, v in dataset.kept_values.items() if c in columns},
    }


def tier_thresholds() -> dict[str, float]:
    """Return the stored tiers' lower bounds, by name."""
    from routing.models import Tier  # routing builds on modeling, not the reverse

    return {tier.name: tier.min_probability for tier in Tier.objects.ordered()}
