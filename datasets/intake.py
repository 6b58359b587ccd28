"""Read an uploaded file, describe it, and apply the user's column mapping.

Views, jobs and management commands all go through these functions, so the
page, the worker and the shell see the same table.
"""

import logging
from dataclasses import dataclass

import pandas as pd

from datasets.errors import DatasetError
from datasets.leakage import find_leaky_columns
from datasets.models import Dataset
from datasets.profiling import profile_columns
from datasets.reading import ReadOptions, TableRead, read_table
from datasets.target import encode_outcome, propose_outcome

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
TOO_FEW_LEADS = 200
TOO_FEW_CONVERSIONS = 50


def read_options(dataset: Dataset) -> ReadOptions:
    """Return the reading options detected or chosen for this upload."""
    return ReadOptions(
        encoding=dataset.encoding or None,
        delimiter=dataset.delimiter or None,
        sheet=dataset.sheet or None,
    )


def load_table(dataset: Dataset, *, max_rows: int | None = None) -> pd.DataFrame:
    """Return the upload's table, read exactly as it was when inspected."""
    with dataset.file.open("rb"):
        path = dataset.file.path
    return read_table(path, read_options(dataset), max_rows=max_rows).frame


def inspect_upload(dataset: Dataset, *, max_rows: int | None = None) -> TableRead:
    """Read and profile the upload, store what was found, return the read.

    On a DatasetError the upload is marked failed with the message and the
    file is left as it was received.
    """
    try:
        read = read_table(dataset.file.path, read_options(dataset), max_rows=max_rows)
        if read.frame.empty:
            raise DatasetError("The file has a header but no rows of leads.")
    except DatasetError as error:
        dataset.mark_failed(str(error))
        raise
    profiles = profile_columns(read.frame)
    dataset.format = read.format
    dataset.encoding = read.encoding or ""
    dataset.delimiter = read.delimiter or ""
    dataset.sheet = read.sheet or ""
    dataset.row_count, dataset.column_count = read.frame.shape
    dataset.profile = [profile.to_dict() for profile in profiles]
    dataset.placeholders = read.placeholders
    dataset.preview_rows = preview_rows(read.frame)
    dataset.status, dataset.error = Dataset.Status.READY, ""
    dataset.save()
    logger.info("Dataset %s: read %s rows", dataset.pk, dataset.row_count)
    return read


def preview_rows(frame: pd.DataFrame, n: int = PREVIEW_ROWS) -> list[list[str]]:
    """Return the first rows as display text, blanks as empty strings."""
    head = frame.head(n).astype(object).where(frame.head(n).notna(), "")
    return [[str(value) for value in row] for row in head.itertuples(index=False)]


@dataclass
class MappingAdvice:
    """What the mapping page proposes for one choice of outcome column."""

    positive: list[str]
    negative: list[str]
    values: list[str]
    excluded: dict[str, str]
    counts: dict[str, int]


def advise_mapping(
    dataset: Dataset, frame: pd.DataFrame, target: str, positive: list[str] | None
) -> MappingAdvice:
    """Propose converted values and the columns to leave out, with reasons."""
    proposal = propose_outcome(frame[target])
    positive = positive or proposal.positive
    values = proposal.positive + proposal.negative
    negative = [value for value in values if value not in positive]
    y = encode_outcome(frame[target], positive, negative)

    excluded = default_exclusions(dataset, target)
    features = [c for c in frame.columns if c != target and c not in excluded]
    known = y.notna()
    if known.sum() and y[known].nunique() == 2:
        for suspect in find_leaky_columns(
            frame.loc[known, features], y[known], profiles=None
        ):
            excluded.setdefault(suspect.column, suspect.reason)
    return MappingAdvice(positive, negative, values, excluded, outcome_counts(y))


def default_exclusions(dataset: Dataset, target: str) -> dict[str, str]:
    """Return the columns left out whatever the outcome: identifiers,
    constants, empty and free-text columns."""
    excluded = {}
    for column in dataset.profile:
        if column["name"] == target:
            continue
        if column.get("excluded_reason"):
            excluded[column["name"]] = column["excluded_reason"]
        elif column["kind"] == "text":
            excluded[column["name"]] = (
                "Free text; the model does not read sentences yet."
            )
    return excluded


def outcome_counts(y: pd.Series) -> dict[str, int]:
    """Return how many leads converted, did not, and are still open."""
    return {
        "converted": int((y == 1).sum()),
        "not_converted": int((y == 0).sum()),
        "open": int(y.isna().sum()),
    }


def save_mapping(
    dataset: Dataset,
    frame: pd.DataFrame,
    *,
    target: str,
    positive: list[str],
    excluded: dict[str, str],
) -> None:
    """Store the outcome column, its converted values and the exclusions."""
    if target not in frame.columns:
        raise DatasetError(f"There is no column called {target!r} in this file.")
    proposal = propose_outcome(frame[target])
    values = proposal.positive + proposal.negative
    unknown = [value for value in positive if value not in values]
    if unknown or not positive:
        raise DatasetError(
            "Pick at least one value of the outcome column that means converted."
        )
    negative = [value for value in values if value not in positive]
    dataset.target_column = target
    dataset.positive_values, dataset.negative_values = positive, negative
    dataset.excluded = {c: r for c, r in excluded.items() if c in frame.columns}
    dataset.outcome_counts = outcome_counts(
        encode_outcome(frame[target], positive, negative)
    )
    dataset.save()


def outcome_of(dataset: Dataset, frame: pd.DataFrame) -> pd.Series:
    """Return the mapped outcome: 1.0 converted, 0.0 not, NaN still open."""
    return encode_outcome(
        frame[dataset.target_column], dataset.positive_values, dataset.negative_values
    )


def sufficiency(counts: dict[str, int]) -> tuple[str, str]:
    """Return a level (ok, low, insufficient) and a sentence about data size."""
    n_known = counts.get("converted", 0) + counts.get("not_converted", 0)
    n_converted = counts.get("converted", 0)
    rarer = min(n_converted, counts.get("not_converted", 0))
    if n_known == 0 or rarer < 10:
        return "insufficient", (
            f"{n_known:,} leads have an outcome and {rarer:,} of them are of the "
            "rarer kind. A model needs at least 10 of each; add more history."
        )
    if n_known < TOO_FEW_LEADS or rarer < TOO_FEW_CONVERSIONS:
        more = max(TOO_FEW_CONVERSIONS - rarer, 0)
        return "low", (
            f"Only {n_known:,} leads with an outcome ({n_converted:,} converted). "
            "A model will train, but its accuracy figures are rough"
            + (f"; about {more:,} more conversions would make them trustworthy."
               if more else "; a few hundred more leads would firm them up.")
        )
    rate = n_converted / n_known
    return "ok", (
        f"{n_known:,} leads with an outcome, {n_converted:,} converted "
        f"({rate:.1%}): enough to train and to measure the model."
    )
