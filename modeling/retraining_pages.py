"""What the retraining, comparison and model health pages show, formatted."""

import plotly.graph_objects as go

from modeling.drift import level
from modeling.models import Comparison, DriftCheck

# Metric, label, how to show it, and whether higher is better.
COMPARED = (
    ("roc_auc", "Ranking quality (ROC AUC)", "{:.3f}", True),
    (
        "calibration_error",
        "Calibration error (gap between predicted and actual)",
        "{:.1%}",
        False,
    ),
    ("brier", "Brier score", "{:.3f}", False),
    ("lift_top_10", "Lift in the top 10%", "{:.2f}×", True),
    ("lift_top_20", "Lift in the top 20%", "{:.2f}×", True),
)
DASHES = {"actual": "solid", "expected": "dot"}


def side_by_side(comparison: Comparison) -> list[dict]:
    """Return one row per measure: the challenger's, the champion's, the winner."""
    rows = []
    for key, label, shape, higher in COMPARED:
        new = comparison.challenger_metrics.get(key)
        old = comparison.champion_metrics.get(key)
        better = None
        if new is not None and old is not None and new != old:
            better = "challenger" if (new > old) == higher else "champion"
        rows.append(
            {
                "label": label,
                "better": better,
                "challenger": "–" if new is None else shape.format(new),
                "champion": "–" if old is None else shape.format(old),
            }
        )
    return rows


def tier_moves(comparison: Comparison) -> list[dict]:
    """Return the tier changes, largest first, moves before stays."""
    moves = sorted(
        comparison.tier_moves.items(), key=lambda item: ("→" not in item[0], -item[1])
    )
    return [{"move": move, "n": n} for move, n in moves]


def tier_chart(rows: list[dict]) -> str:
    """Return a line chart of each tier's actual and expected rate per month."""
    figure = go.Figure()
    for tier in dict.fromkeys(row["tier"] for row in rows):
        mine = [row for row in rows if row["tier"] == tier]
        months = [row["month"] for row in mine]
        for key, name in (("actual", "converted"), ("expected", "expected")):
            figure.add_trace(
                go.Scatter(
                    x=months,
                    y=[round(row[key] * 100, 1) for row in mine],
                    name=f"{tier}: {name}",
                    mode="lines+markers",
                    line={"dash": DASHES[key]},
                    hovertemplate="%{x}: %{y}%<extra>" + f"{tier} {name}</extra>",
                )
            )
    figure.update_layout(
        title="Conversion by tier, per month scored",
        xaxis_title="Month scored",
        yaxis_title="Leads converted (%)",
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.3},
        xaxis={"type": "category"},
    )
    return figure.to_json()


def tier_table(rows: list[dict]) -> list[dict]:
    """Return the chart's figures as table rows, formatted."""
    return [
        {**row, "actual": f"{row['actual']:.0%}", "expected": f"{row['expected']:.0%}"}
        for row in rows
    ]


def drift_rows(check: DriftCheck, threshold: float) -> list[dict]:
    """Return each input and the scores with their stability index and level."""
    rows = [
        {
            "name": "Scores",
            "psi": check.score_psi,
            "level": level(check.score_psi, threshold),
        }
    ]
    for name, value in sorted(check.columns.items(), key=lambda item: -item[1]):
        rows.append({"name": name, "psi": value, "level": level(value, threshold)})
    return rows
