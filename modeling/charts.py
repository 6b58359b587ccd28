"""Plotly figures for the model page, as JSON for the page's script."""

import plotly.graph_objects as go

MAX_BARS = 15


def importance_figure(importances: list[dict]) -> str:
    """Return a horizontal bar chart of the columns that matter most."""
    top = [item for item in importances if item["importance"] > 0][:MAX_BARS]
    top.reverse()  # Plotly draws the first bar at the bottom
    figure = go.Figure(
        go.Bar(
            x=[round(item["importance"] * 100, 1) for item in top],
            y=[item["column"] for item in top],
            orientation="h",
            marker_color="#1d4ed8",
            hovertemplate="%{y}: %{x} points of AUC<extra></extra>",
        )
    )
    figure.update_layout(
        title="What drives conversion",
        xaxis_title="Drop in accuracy (AUC points) when the column is scrambled",
        yaxis_title=None,
        height=120 + 28 * len(top),
        margin={"l": 10, "r": 10, "t": 50, "b": 50},
        yaxis={"automargin": True},
        plot_bgcolor="white",
    )
    return figure.to_json()
