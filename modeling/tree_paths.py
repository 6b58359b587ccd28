"""A random forest's prediction for a lead and for each of its swapped
variants (one column set to the typical lead's value), in one walk per tree.

Re-predicting every variant through the forest cost about five predictions
per lead. A variant follows the lead's own path down a tree until the first
node where the swapped column sends it the other way, so only from there
does it need a walk of its own; where no node on the path does, it lands in
the lead's leaf. The walks are compiled with numba: per node, Python or
numpy would cost more than the whole forest does in scikit-learn's code.

The sums are taken tree by tree in scikit-learn's order, from the same
float32 inputs and thresholds, so the results equal predict_proba's exactly.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit
from sklearn.ensemble import RandomForestClassifier


@dataclass(frozen=True)
class PackedForest:
    """A fitted binary forest's trees in flat arrays, node ids global."""

    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    missing_left: np.ndarray
    # Each node's share of the positive class, as predict_proba reads it.
    value: np.ndarray


def pack_forest(forest: RandomForestClassifier) -> PackedForest | None:
    """Return the forest's trees packed, or None unless it is a binary forest."""
    if not isinstance(forest, RandomForestClassifier) or len(forest.classes_) != 2:
        return None
    parts: dict[str, list] = {key: [] for key in PackedForest.__dataclass_fields__}
    offset = 0
    for estimator in forest.estimators_:
        tree = estimator.tree_
        left, right = tree.children_left.copy(), tree.children_right.copy()
        left[left >= 0] += offset
        right[right >= 0] += offset
        counts = tree.value[:, 0, :]
        parts["roots"].append([offset])
        parts["feature"].append(tree.feature)
        parts["threshold"].append(tree.threshold)
        parts["left"].append(left)
        parts["right"].append(right)
        parts["missing_left"].append(tree.missing_go_to_left.astype(np.bool_))
        parts["value"].append(counts[:, 1] / counts.sum(axis=1))
        offset += tree.node_count
    arrays = {key: np.concatenate(values) for key, values in parts.items()}
    return PackedForest(**arrays)


def forest_variants(
    packed: PackedForest,
    Z: np.ndarray,
    base: np.ndarray,
    blocks: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Return the forest's positive-class probability for each row of `Z`,
    and for each row with each block of columns swapped to `base`'s values
    (rows x blocks)."""
    # Trees compare float32 inputs, as scikit-learn does.
    Z32, base32 = Z.astype(np.float32), base.astype(np.float32)
    block_of = np.zeros(Z.shape[1], dtype=np.int64)
    differs = np.zeros((len(Z), len(blocks)), dtype=np.bool_)
    for j, block in enumerate(blocks):
        block_of[block] = j
        same = (Z32[:, block] == base32[block]) | (
            np.isnan(Z32[:, block]) & np.isnan(base32[block])
        )
        differs[:, j] = ~same.all(axis=1)
    own, swapped = _walk_forest(
        Z32,
        base32,
        block_of,
        differs,
        packed.roots,
        packed.feature,
        packed.threshold,
        packed.left,
        packed.right,
        packed.missing_left,
        packed.value,
    )
    n_trees = len(packed.roots)
    own /= n_trees
    swapped = np.where(differs, swapped / n_trees, own[:, None])
    return own, swapped


@njit(cache=True, inline="always")
def _goes_left(x, node, threshold, missing_left) -> bool:
    if np.isnan(x):
        return missing_left[node]
    return x <= threshold[node]


@njit(cache=True)
def _leaf(node, i, j, Z, base, block_of, feature, threshold, left, right, missing):
    """Walk down from `node` with row i's values, block j's taken from base."""
    while left[node] != -1:
        f = feature[node]
        x = base[f] if block_of[f] == j else Z[i, f]
        node = left[node] if _goes_left(x, node, threshold, missing) else right[node]
    return node


@njit(cache=True)
def _walk_forest(
    Z, base, block_of, differs, roots, feature, threshold, left, right, missing, value
):
    n_rows, n_blocks = differs.shape
    own = np.zeros(n_rows)
    swapped = np.zeros((n_rows, n_blocks))
    parted = np.zeros(n_blocks, dtype=np.bool_)
    leaf_value = np.zeros(n_blocks)
    for root in roots:
        for i in range(n_rows):
            parted[:] = False
            node = root
            while left[node] != -1:
                f = feature[node]
                j = block_of[f]
                go_left = _goes_left(Z[i, f], node, threshold, missing)
                if differs[i, j] and not parted[j]:
                    if _goes_left(base[f], node, threshold, missing) != go_left:
                        # The variant parts from the lead here.
                        parted[j] = True
                        other = right[node] if go_left else left[node]
                        leaf = _leaf(
                            other, i, j, Z, base, block_of, feature, threshold,
                            left, right, missing,
                        )  # fmt: skip
                        leaf_value[j] = value[leaf]
                node = left[node] if go_left else right[node]
            own[i] += value[node]
            for j in range(n_blocks):
                if differs[i, j]:
                    swapped[i, j] += leaf_value[j] if parted[j] else value[node]
    return own, swapped
