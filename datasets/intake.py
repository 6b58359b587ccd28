"""Read an uploaded file, describe it, and apply the user's column mapping.

Views, jobs and management commands all go through these functions, so the
page, the worker and the shell see the same table.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings

from datasets.cleaning import (
    common_values,
    suggest_merges,
    tidiers_for,
    tidy_categories,
    tidy_columns,
)
from datasets.combining import JoinCheck, check_join, join_columns
from datasets.errors import DatasetError
from datasets.leakage import find_leaky_columns, rank_columns_by_signal
from datasets.models import Dataset
from datasets.profiling import format_value, profile_columns
from datasets.reading import ReadOptions, TableRead, read_cells, read_table
from datasets.target import encode_outcome, propose_outcome
from leadscore_site.words import HAVE, leads

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
TOO_FEW_LEADS = 200
TOO_FEW_CONVERSIONS = 50
# Below this conversion rate, a few hundred conversions are needed before the
# rate measured on a hold-out set stops jumping around.
RARE_RATE = 0.05
ENOUGH_RARE_CONVERSIONS = 100
# Values in fewer than this share of leads are grouped as "Other".
RARE_SHARE = 0.01
N_QUESTIONS = 3
# Columns whose signal is weaker than this are not worth a question.
QUESTION_MIN_AUC = 0.6


def read_options(dataset: Dataset) -> ReadOptions:
    """Return the reading options detected or chosen for this upload."""
    return ReadOptions(
        encoding=dataset.encoding or None,
        delimiter=dataset.delimiter or None,
        sheet=dataset.sheet or None,
    )


def load_table(dataset: Dataset, *, max_rows: int | None = None) -> pd.DataFrame:
    """Return the upload's table, read exactly as it was when inspected, with
    the join and clean-up the user accepted on it.

    A file of new leads has neither of its own: it is read with
    load_uncleaned(..., like=history), and the model applies the history's
    clean-up as it scores.
    """
    frame = read_upload(dataset, max_rows=max_rows).frame
    return clean_table(with_join(frame, dataset), dataset)


def load_uncleaned(dataset: Dataset, *, like: Dataset | None = None) -> pd.DataFrame:
    """Return the upload's table with its join, before any category clean-up.

    A file of new leads passes its model's history as `like` for the join;
    the model applies the history's clean-up to the leads itself.
    """
    return with_join(read_upload(dataset).frame, like or dataset)


def read_upload(dataset: Dataset, *, max_rows: int | None = None) -> TableRead:
    """Read the stored file with the options detected or chosen for it."""
    if max_rows is None:
        max_rows = settings.UPLOAD_MAX_ROWS
    with dataset.file.open("rb"):
        path = dataset.file.path
    return read_table(path, read_options(dataset), max_rows=max_rows)


def received_rows(
    dataset: Dataset, positions: np.ndarray, columns: list[str], *, size: int
) -> Iterator[pd.DataFrame]:
    """Yield the upload's cells as received (read_cells) for the rows of the
    read table at `positions` (ascending) and those of `columns` the file
    has, `size` rows at a time, the file streamed rather than read whole."""
    with dataset.file.open("rb"):
        path = dataset.file.path
    pending, n_pending, start = [], 0, 0
    for block in read_cells(path, read_options(dataset), rows=size):
        end = start + len(block)
        first, last = np.searchsorted(positions, [start, end])
        kept = block.iloc[positions[first:last] - start]
        pending.append(kept[[c for c in columns if c in kept.columns]])
        n_pending, start = n_pending + len(kept), end
        while n_pending >= size:
            joined = pd.concat(pending)
            yield joined.iloc[:size]
            pending, n_pending = [joined.iloc[size:]], n_pending - size
    if n_pending:
        yield pd.concat(pending)


def with_join(frame: pd.DataFrame, source: Dataset) -> pd.DataFrame:
    """Return the frame with the columns of the file joined to `source`."""
    join = source.join
    if not join or join["key"] not in frame.columns:
        return frame
    extra = Dataset.objects.filter(pk=join["dataset"]).first()
    if extra is None:
        raise DatasetError(
            f"The file {join['name']!r} joined to this lead history was deleted. "
            "Join it again from the column check page."
        )
    other = read_upload(extra).frame
    return join_columns(
        frame, other, join["key"], join["other_key"], label=join["name"]
    )


def clean_table(frame: pd.DataFrame, source: Dataset) -> pd.DataFrame:
    """Return the frame with `source`'s accepted merges and rare-value groups."""
    return tidy_columns(frame, tidiers_for(source.merges, source.kept_values))


def inspect_upload(dataset: Dataset, *, max_rows: int | None = None) -> TableRead:
    """Read and profile the upload, store what was found, return the read.

    On a DatasetError the upload is marked failed with the message and the
    file is left as it was received.
    """
    try:
        read = read_upload(dataset, max_rows=max_rows)
        frame = with_join(read.frame, dataset)
    except DatasetError as error:
        dataset.mark_failed(str(error))
        raise
    dataset.format, dataset.sheet = read.format, read.sheet or ""
    dataset.encoding = read.encoding or ""
    dataset.delimiter = read.delimiter or ""
    dataset.sheets = read.sheets
    dataset.row_count, dataset.column_count = frame.shape
    # The reader already counted each column's values; reuse the counts.
    profiles = profile_columns(frame, read.distinct)
    dataset.profile = [profile.to_dict() for profile in profiles]
    dataset.placeholders, dataset.unparsed = read.placeholders, read.unparsed
    dataset.preview_rows = preview_rows(frame)
    dataset.status, dataset.error = Dataset.Status.READY, ""
    dataset.save()
    logger.info("Dataset %s: read %s rows", dataset.pk, dataset.row_count)
    return read


def preview_rows(frame: pd.DataFrame, n: int = PREVIEW_ROWS) -> list[list[str]]:
    """Return the first rows as display text, blanks as empty strings."""
    head = frame.head(n).astype(object).where(frame.head(n).notna(), "")
    return [
        [format_value(value) for value in row] for row in head.itertuples(index=False)
    ]


@dataclass
class MappingAdvice:
    """What the mapping page proposes for one choice of outcome column."""

    positive: list[str]
    negative: list[str]
    values: list[str]
    excluded: dict[str, str]
    counts: dict[str, int]
    open_values: list[str] = field(default_factory=list)
    # Column -> groups of values that look like one value written differently.
    merges: dict[str, list[list[str]]] = field(default_factory=dict)
    # The strongest columns left in, to ask whether they were known in time.
    questions: list[str] = field(default_factory=list)


def advise_mapping(
    dataset: Dataset,
    frame: pd.DataFrame,
    target: str,
    positive: list[str] | None,
    still_open: list[str] | None = None,
) -> MappingAdvice:
    """Propose converted and open values, the columns to leave out with
    reasons, merges of look-alike values, and the columns to ask about."""
    proposal = propose_outcome(frame[target])
    values = proposal.positive + proposal.negative + proposal.open_values
    positive = positive or proposal.positive
    if still_open is None and target == dataset.target_column:
        # Values neither converted nor not were saved as still open.
        saved = positive + dataset.negative_values
        still_open = [v for v in values if v not in saved]
    open_values = proposal.open_values if still_open is None else still_open
    negative = [v for v in values if v not in positive and v not in open_values]
    y = encode_outcome(frame[target], positive, negative)

    excluded = default_exclusions(dataset, target)
    features = [c for c in frame.columns if c != target and c not in excluded]
    known = y.notna()
    questions = []
    if known.sum() and y[known].nunique() == 2:
        for suspect in find_leaky_columns(
            frame.loc[known, features], y[known], profiles=None
        ):
            excluded.setdefault(suspect.column, suspect.reason)
        kept = [c for c in features if c not in excluded]
        questions = strongest_columns(frame.loc[known, kept], y[known])
    return MappingAdvice(
        positive,
        negative,
        values,
        excluded,
        outcome_counts(y),
        open_values,
        merge_suggestions(dataset, frame, excluded | {target: ""}),
        questions,
    )


def strongest_columns(frame: pd.DataFrame, y: pd.Series) -> list[str]:
    """Return the few columns that predict the outcome best on their own."""
    ranked = rank_columns_by_signal(frame, y)
    return [name for name, auc in ranked[:N_QUESTIONS] if auc >= QUESTION_MIN_AUC]


def merge_suggestions(
    dataset: Dataset, frame: pd.DataFrame, excluded: dict[str, str]
) -> dict[str, list[list[str]]]:
    """Return, per category column left in, the values proposed for merging."""
    suggestions = {}
    for name, kind in dataset.kinds().items():
        if kind == "category" and name not in excluded and name in frame:
            groups = suggest_merges(frame[name])
            if groups:
                suggestions[name] = groups
    return suggestions


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
    still_open: list[str] | None = None,
    merges: dict[str, list[list[str]]] | None = None,
) -> None:
    """Store the outcome column, its values, the exclusions and the clean-up.

    `frame` is the table before clean-up (load_uncleaned); values of the
    outcome not converted and not `still_open` mean not converted.
    """
    if target not in frame.columns:
        raise DatasetError(f"There is no column called {target!r} in this file.")
    negative = outcome_values(frame[target], positive, still_open)
    dataset.target_column = target
    dataset.positive_values, dataset.negative_values = positive, negative
    dataset.excluded = {c: r for c, r in excluded.items() if c in frame.columns}
    dataset.outcome_counts = outcome_counts(
        encode_outcome(frame[target], positive, negative)
    )
    dataset.merges = {c: g for c, g in (merges or {}).items() if c in frame.columns}
    dataset.kept_values = kept_values(dataset, frame)
    dataset.save()
    logger.info("Dataset %s: mapped, %s merges", dataset.pk, len(dataset.merges))


def outcome_values(
    series: pd.Series, positive: list[str], still_open: list[str] | None
) -> list[str]:
    """Return the values meaning not converted; refuse an unusable choice."""
    proposal = propose_outcome(series)
    values = proposal.positive + proposal.negative + proposal.open_values
    if still_open is None:
        still_open = proposal.open_values
    unknown = [value for value in positive if value not in values]
    if unknown or not positive:
        raise DatasetError(
            "Pick at least one value of the outcome column that means converted."
        )
    negative = [v for v in values if v not in positive and v not in still_open]
    if not negative:
        raise DatasetError(
            "Leave at least one value meaning the lead did not convert; a model "
            "learns from both kinds of lead."
        )
    return negative


def kept_values(dataset: Dataset, frame: pd.DataFrame) -> dict[str, list[str]]:
    """Return, per category feature, the values common enough to keep."""
    kinds = dataset.kinds()
    kept = {}
    for name in dataset.feature_columns():
        if kinds.get(name) == "category" and name in frame:
            merged = tidy_categories(frame[name], dataset.merges.get(name, []))
            kept[name] = common_values(merged, min_share=RARE_SHARE)
    return kept


def outcome_of(dataset: Dataset, frame: pd.DataFrame) -> pd.Series:
    """Return the mapped outcome: 1.0 converted, 0.0 not, NaN still open."""
    return encode_outcome(
        frame[dataset.target_column], dataset.positive_values, dataset.negative_values
    )


def sufficiency(counts: dict[str, int]) -> tuple[str, str]:
    """Return a level (ok, low, insufficient) and a sentence about data size."""
    n_converted = counts.get("converted", 0)
    n_known = n_converted + counts.get("not_converted", 0)
    rarer = min(n_converted, counts.get("not_converted", 0))
    if n_known == 0 or rarer < 10:
        return "insufficient", (
            f"{leads(n_known, HAVE)} an outcome and {rarer:,} of them are of the "
            "rarer kind. A model needs at least 10 of each; add more history."
        )
    rate = n_converted / n_known
    if n_known < TOO_FEW_LEADS or rarer < TOO_FEW_CONVERSIONS:
        return "low", _low_message(n_known, n_converted, rarer, TOO_FEW_CONVERSIONS)
    if rate < RARE_RATE and n_converted < ENOUGH_RARE_CONVERSIONS:
        return "low", _low_message(
            n_known, n_converted, n_converted, ENOUGH_RARE_CONVERSIONS
        )
    return "ok", (
        f"{n_known:,} leads with an outcome, {n_converted:,} converted "
        f"({rate:.1%}): enough to train and to measure the model."
    )


def _low_message(n_known: int, n_converted: int, rarer: int, enough: int) -> str:
    rate = n_converted / n_known
    text = (
        f"Only {leads(n_known)} with an outcome, {n_converted:,} converted "
        f"({rate:.1%}). A model will train, but its accuracy figures are rough"
    )
    more = enough - rarer
    if more <= 0:
        return text + "; a few hundred more leads would firm them up."
    text += f"; about {more:,} more conversions would make them trustworthy"
    if rarer == n_converted and 0 < rate < 1:
        text += f" (about {round(more / rate):,} more leads at this rate)"
    return text + "."


def check_join_choice(
    dataset: Dataset, extra: Dataset, key: str, other_key: str
) -> JoinCheck:
    """Return how many of the history's leads the other file's rows match."""
    frame = read_upload(dataset).frame
    return check_join(frame, read_upload(extra).frame, key, other_key)


def apply_join(dataset: Dataset, extra: Dataset, key: str, other_key: str) -> None:
    """Join the other file's columns to the history and profile them."""
    # Known limit: one second file per history; joining another replaces it.
    dataset.join = {
        "dataset": extra.pk,
        "key": key,
        "other_key": other_key,
        "name": extra.original_name,
    }
    inspect_upload(dataset)
    logger.info("Dataset %s: joined dataset %s", dataset.pk, extra.pk)


def remove_join(dataset: Dataset) -> None:
    """Drop the joined columns; the other file stays stored."""
    dataset.join = {}
    inspect_upload(dataset)


def own_columns(dataset: Dataset) -> list[str]:
    """Return the columns of the upload itself, without joined ones."""
    names = [column["name"] for column in dataset.profile]
    if not dataset.join:
        return names
    extra = Dataset.objects.filter(pk=dataset.join["dataset"]).first()
    other = [c["name"] for c in extra.profile] if extra else []
    label = dataset.join["name"]
    # A joined name that clashed with one of ours was given ' (label)'.
    joined = {
        f"{name} ({label})" if f"{name} ({label})" in names else name
        for name in other
        if name != dataset.join["other_key"]
    }
    return [name for name in names if name not in joined]
