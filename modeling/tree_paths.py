"""A tree model's score for a lead and for each of its swapped variants (one
column set to the typical lead's value), in one walk per tree.

Re-predicting every variant through the model cost about five predictions
per lead. A variant follows the lead's own path down a tree until the first
node where the swapped column sends it the other way, so only from there
does it need a walk of its own; where no node on the path does, it lands in
the lead's leaf. The walks are compiled with numba: per node, Python or
numpy would cost more than the whole model does in scikit-learn's code.

Two models are known: a random forest (its score is the mean of the trees'
positive-class shares, from float32 inputs) and histogram gradient boosting
(its score is the decision value: a baseline plus every tree's leaf value,
with category splits read from bitsets). The node rules, the input types
and the order of the sums are scikit-learn's, so the results equal its
predictions exactly.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

NO_BITSETS = np.zeros((1, 8), dtype=np.uint32)


@dataclass(frozen=True)
class PackedTrees:
    """A fitted binary tree model's trees in flat arrays, node ids global."""

    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    missing_left: np.ndarray
    value: np.ndarray
    is_categorical: np.ndarray
    bitset_idx: np.ndarray
    # Category splits: the categories going left, per split, and the
    # categories known per categorical feature (f_idx_map says which row).
    left_bitsets: np.ndarray
    known_bitsets: np.ndarray
    f_idx_map: np.ndarray
    # The sum's start (boosting's baseline) and whether it is a mean.
    start: float
    mean: bool
    dtype: type
    model: BaseEstimator

    def to_proba(self, scores: np.ndarray) -> np.ndarray:
        """Return the positive-class probability for scores of this model."""
        if self.mean:
            return scores
        return self.model._loss.predict_proba(scores.reshape(-1))[:, 1].reshape(
            scores.shape
        )


def pack_trees(model: BaseEstimator) -> PackedTrees | None:
    """Return a binary random forest's or gradient boosting's trees packed,
    or None for any other model."""
    if len(getattr(model, "classes_", ())) != 2:
        return None
    if isinstance(model, RandomForestClassifier):
        return _pack_forest(model)
    if isinstance(model, HistGradientBoostingClassifier):
        return _pack_boosting(model)
    return None


def _pack_forest(forest: RandomForestClassifier) -> PackedTrees:
    parts: dict[str, list] = {"roots": [], "feature": [], "threshold": []}
    parts |= {"left": [], "right": [], "missing_left": [], "value": []}
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
        # The tree's positive-class share, computed as predict_proba does.
        parts["value"].append(counts[:, 1] / counts.sum(axis=1))
        offset += tree.node_count
    arrays = {key: np.concatenate(values) for key, values in parts.items()}
    n_nodes = offset
    return PackedTrees(
        **arrays,
        is_categorical=np.zeros(n_nodes, dtype=np.bool_),
        bitset_idx=np.zeros(n_nodes, dtype=np.int64),
        left_bitsets=NO_BITSETS,
        known_bitsets=NO_BITSETS,
        f_idx_map=np.zeros(1, dtype=np.int64),
        start=0.0,
        mean=True,
        dtype=np.float32,
        model=forest,
    )


def _pack_boosting(model: HistGradientBoostingClassifier) -> PackedTrees:
    nodes, bitsets, roots = [], [], []
    n_nodes = n_bitsets = 0
    for [predictor] in model._predictors:
        tree = predictor.nodes
        leaf = tree["is_leaf"].astype(np.bool_)
        left = np.where(leaf, -1, tree["left"].astype(np.int64) + n_nodes)
        right = np.where(leaf, -1, tree["right"].astype(np.int64) + n_nodes)
        nodes.append(
            (tree, left, right, tree["bitset_idx"].astype(np.int64) + n_bitsets)
        )
        bitsets.append(predictor.raw_left_cat_bitsets)
        roots.append(n_nodes)
        n_nodes += len(tree)
        n_bitsets += len(predictor.raw_left_cat_bitsets)
    # scikit-learn's own table of the categories each feature was fitted on.
    known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    trees = np.concatenate([tree for tree, *_ in nodes])
    return PackedTrees(
        roots=np.array(roots, dtype=np.int64),
        feature=trees["feature_idx"].astype(np.int64),
        threshold=trees["num_threshold"].astype(np.float64),
        left=np.concatenate([left for _, left, _, _ in nodes]),
        right=np.concatenate([right for _, _, right, _ in nodes]),
        missing_left=trees["missing_go_to_left"].astype(np.bool_),
        value=trees["value"].astype(np.float64),
        is_categorical=trees["is_categorical"].astype(np.bool_),
        bitset_idx=np.concatenate([idx for *_, idx in nodes]),
        left_bitsets=np.concatenate(bitsets) if n_bitsets else NO_BITSETS,
        known_bitsets=known if len(known) else NO_BITSETS,
        f_idx_map=f_idx_map.astype(np.int64),
        start=float(model._baseline_prediction.ravel()[0]),
        mean=False,
        dtype=np.float64,
        model=model,
    )


def tree_variants(
    packed: PackedTrees,
    Z: np.ndarray,
    base: np.ndarray,
    blocks: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Return the model's score for each row of `Z` (a forest's probability,
    boosting's decision value), and for each row with each block of columns
    swapped to `base`'s values (rows x blocks)."""
    Z, base = Z.astype(packed.dtype), base.astype(packed.dtype)
    block_of = np.zeros(Z.shape[1], dtype=np.int64)
    for j, block in enumerate(blocks):
        block_of[block] = j
    rules = (
        packed.feature,
        packed.threshold,
        packed.left,
        packed.right,
        packed.missing_left,
        packed.is_categorical,
        packed.bitset_idx,
        packed.left_bitsets,
        packed.known_bitsets,
        packed.f_idx_map,
    )
    own, swapped = _walk_trees(
        Z,
        len(blocks),
        packed.start,
        packed.roots,
        # A leaf's feature is a placeholder that no walk reads.
        block_of[np.maximum(packed.feature, 0)],
        _base_goes_left(base, rules),
        rules,
        packed.value,
    )
    if packed.mean:
        own, swapped = own / len(packed.roots), swapped / len(packed.roots)
    return own, swapped


@njit(cache=True, inline="always")
def _in_bitset(bitsets, value, row) -> bool:
    return ((bitsets[row, value // 32] >> (value % 32)) & 1) == 1


@njit(cache=True, inline="always")
def _goes_left(x, node, t) -> bool:
    """Return whether value x takes node's left branch (scikit-learn's rule);
    `t` holds the packed arrays, in tree_variants' order."""
    if np.isnan(x):
        return t[4][node]
    if not t[5][node]:
        return x <= t[1][node]
    if x < 0:
        return t[4][node]
    category = np.uint8(x)
    if _in_bitset(t[7], category, t[6][node]):
        return True
    if _in_bitset(t[8], category, t[9][t[0][node]]):
        return False
    return t[4][node]  # an unknown category counts as missing


@njit(cache=True)
def _base_goes_left(base, t):
    """Return, for every split node, the way the typical lead goes: the same
    for every lead, so worked out once per call rather than per visit."""
    feature, left = t[0], t[2]
    goes_left = np.zeros(len(feature), dtype=np.bool_)
    for node in range(len(feature)):
        if left[node] != -1:
            goes_left[node] = _goes_left(base[feature[node]], node, t)
    return goes_left


@njit(cache=True)
def _leaf(node, i, j, Z, node_block, base_left, t):
    """Walk down from `node` with row i's values, block j's taken from base."""
    feature, left, right = t[0], t[2], t[3]
    while left[node] != -1:
        if node_block[node] == j:
            go_left = base_left[node]
        else:
            go_left = _goes_left(Z[i, feature[node]], node, t)
        node = left[node] if go_left else right[node]
    return node


@njit(cache=True)
def _walk_trees(Z, n_blocks, start, roots, node_block, base_left, t, value):
    """Sum each row's leaf values over the trees, and each variant's.

    A variant parts from the lead at the first node of the lead's path where
    the typical value goes the other way (a block equal to the typical
    lead's never does), and walks on from there alone. Sums run tree by
    tree from `start`, as scikit-learn adds them.
    """
    feature, left, right = t[0], t[2], t[3]
    n_rows = Z.shape[0]
    own = np.full(n_rows, start)
    swapped = np.full((n_rows, n_blocks), start)
    parted = np.zeros(n_blocks, dtype=np.bool_)
    parted_blocks = np.empty(n_blocks, dtype=np.int64)
    leaf_value = np.zeros(n_blocks)
    for root in roots:
        for i in range(n_rows):
            n_parted = 0
            node = root
            while left[node] != -1:
                go_left = _goes_left(Z[i, feature[node]], node, t)
                if base_left[node] != go_left and not parted[node_block[node]]:
                    j = node_block[node]
                    parted[j] = True
                    parted_blocks[n_parted] = j
                    n_parted += 1
                    other = right[node] if go_left else left[node]
                    leaf_value[j] = value[
                        _leaf(other, i, j, Z, node_block, base_left, t)
                    ]
                node = left[node] if go_left else right[node]
            own[i] += value[node]
            for j in range(n_blocks):
                swapped[i, j] += leaf_value[j] if parted[j] else value[node]
            for k in range(n_parted):
                parted[parted_blocks[k]] = False
    return own, swapped
