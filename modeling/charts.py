"""Plotly figures for the model page, as JSON for the page's script."""

import plotly.graph_objects as go

from modeling.models import ModelVersion

MAX_BARS = 15
BLUE, GREY = "#1d4ed8", "#667085"


def model_charts(version: ModelVersion) -> dict[str, str]:
    """Return every chart of the model page, by name, as Plotly JSON."""
    charts = {"importance": importance_figure(version.importances)}
    curves = version.curves
    if curves:
        charts["gain"] = gain_figure(curves["gain"])
        charts["calibration"] = calibration_figure(curves["calibration"])
        charts["roc"] = roc_figure(curves["roc"], version.metrics["roc_auc"])
    return charts


def _layout(figure: go.Figure, title: str, x: str, y: str, **extra) -> str:
    figure.update_layout(
        title=title,
        xaxis_title=x,
        yaxis_title=y,
        margin={"l": 10, "r": 10, "t": 50, "b": 50},
        yaxis={"automargin": True},
        xaxis={"automargin": True},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.25},
        **extra,
    )
    return figure.to_json()


def importance_figure(importances: list[dict]) -> str:
    """Return a horizontal bar chart of the columns that matter most."""
    top = [item for item in importances if item["importance"] > 0][:MAX_BARS]
    top.reverse()  # Plotly draws the first bar at the bottom
    figure = go.Figure(
        go.Bar(
            x=[round(item["importance"] * 100, 1) for item in top],
            y=[item["column"] for item in top],
            orientation="h",
            marker_color=BLUE,
            hovertemplate="%{y}: %{x} points<extra></extra>",
        )
    )
    return _layout(
        figure,
        "What drives conversion",
        "Ranking quality lost (AUC points) when the column is scrambled",
        "",
        height=140 + 28 * len(top),
    )


def _against_diagonal(
    x: list[float], y: list[float], name: str, diagonal: str, top: float, **extra
) -> go.Figure:
    """Return the model's curve beside the dashed line of guessing (or of
    perfect honesty), the reading every one of these charts asks for."""
    return go.Figure(
        [
            go.Scatter(x=x, y=y, name=name, line={"color": BLUE, "width": 3}, **extra),
            go.Scatter(
                x=[0, top],
                y=[0, top],
                name=diagonal,
                line={"color": GREY, "dash": "dash"},
            ),
        ]
    )


def gain_figure(gain: dict) -> str:
    """Return the cumulative gain chart: converters found vs leads called."""
    figure = _against_diagonal(
        [p * 100 for p in gain["contacted"]],
        [f * 100 for f in gain["found"]],
        "Calling by score",
        "Calling at random",
        100,
    )
    return _layout(
        figure,
        "Converters found, best scores called first",
        "Share of leads called (%)",
        "Share of converters found (%)",
        height=380,
    )


def calibration_figure(calibration: dict) -> str:
    """Return the reliability chart: predicted chance vs what happened."""
    figure = _against_diagonal(
        [p * 100 for p in calibration["expected"]],
        [p * 100 for p in calibration["observed"]],
        "Model",
        "Perfectly honest scores",
        100,
        mode="lines+markers",
        marker={"symbol": "circle", "size": 8},
    )
    return _layout(
        figure,
        "Do the scores mean what they say?",
        "Score given (%)",
        "Share that actually converted (%)",
        height=380,
    )


def roc_figure(roc: dict, auc: float) -> str:
    """Return the ROC curve."""
    figure = _against_diagonal(
        roc["fpr"], roc["tpr"], f"Model (AUC {auc:.2f})", "Guessing", 1
    )
    return _layout(
        figure,
        "Converters caught vs false alarms (ROC)",
        "Share of non-converters flagged",
        "Share of converters flagged",
        height=380,
    )
