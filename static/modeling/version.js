// Draw the model page's charts from the figures the server embedded.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("chart-data");
  if (!data || !window.Plotly) return;
  const charts = JSON.parse(data.textContent);
  for (const [name, json] of Object.entries(charts)) {
    const target = document.getElementById("chart-" + name);
    if (!target) continue;
    const figure = JSON.parse(json);
    Plotly.newPlot(target, figure.data, figure.layout, {
      displaylogo: false,
      responsive: true,
    });
  }
});
