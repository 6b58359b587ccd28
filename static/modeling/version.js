// Draw the model page's charts from the figures the server embedded.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("importance-data");
  if (!data || !window.Plotly) return;
  const figure = JSON.parse(JSON.parse(data.textContent));
  Plotly.newPlot("importance-chart", figure.data, figure.layout, {
    displaylogo: false,
    responsive: true,
  });
});
