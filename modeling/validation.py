"""How a model is tested before anyone relies on it.

Shuffled, stratified k-fold by default. When the leads have a creation date,
or the user says the rows are in time order, the model is trained on older
leads and tested on the newest fifth, because that is how it will be used:
on leads that arrive after everything it learned from.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

NEWEST_SHARE = 0.2
# Fewer folds on large files: each fold then has plenty of rows to test on,
# and training time stays bounded.
LARGE_FILE_ROWS = 20_000


@dataclass
class Validation:
    kind: str  # "stratified" or "time"
    splits: list[tuple[np.ndarray, np.ndarray]]
    description: str

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "folds": len(self.splits),
            "description": self.description,
        }


def plan_validation(
    y: pd.Series, *, order: pd.Series | None = None, random_state: int = 0
) -> Validation:
    """Return the train/test index splits for these outcomes.

    `order` is the leads' time (a date or a row position) when known; the
    newest fifth is then the test set and nothing newer is trained on.
    """
    if order is not None:
        return time_split(order)
    n_splits = 3 if len(y) > LARGE_FILE_ROWS else 5
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    splits = list(folds.split(np.zeros(len(y)), y))
    return Validation(
        "stratified",
        splits,
        f"Tested by {n_splits}-fold cross-validation: every lead was scored once "
        "by a model that had not seen it. The final model then learned from "
        "every lead.",
    )


def time_split(order: pd.Series) -> Validation:
    """Return one split: the oldest 80% to train, the newest 20% to test."""
    known = order.notna().to_numpy()
    if known.sum() < len(order) * 0.5:
        raise ValueError("most leads have no date to order them by")
    # Leads without a date sort first: they never land in the test set.
    ranks = order.rank(method="first", na_option="top").to_numpy()
    cut = np.quantile(ranks, 1 - NEWEST_SHARE)
    train = np.flatnonzero(ranks <= cut)
    test = np.flatnonzero(ranks > cut)
    return Validation(
        "time",
        [(train, test)],
        "Tested the way the model will be used: a model trained on the oldest "
        "80% of leads scored the newest 20%. The final model then learned from "
        "every lead.",
    )


def shuffled_split(
    y: pd.Series, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return one stratified 80/20 split, for comparison with a time split."""
    positions = np.arange(len(y))
    train, test = train_test_split(
        positions, test_size=NEWEST_SHARE, stratify=y, random_state=random_state
    )
    return np.sort(train), np.sort(test)
