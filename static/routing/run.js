// Poll the scoring run, move the bar, and offer the download when done.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("scoring-run");
  if (!box) return;
  const bar = document.getElementById("run-progress");

  async function poll() {
    const response = await fetch(box.dataset.statusUrl, {credentials: "same-origin"});
    if (!response.ok) return setTimeout(poll, 3000);
    const run = await response.json();
    bar.value = run.progress;
    bar.textContent = run.progress + "%";
    document.getElementById("run-count").textContent =
      run.n_scored.toLocaleString("en") + " of " +
      run.n_total.toLocaleString("en") + (run.n_total === 1 ? " lead" : " leads");
    document.getElementById("run-stage").textContent = run.status;
    if (run.status === "succeeded") {
      document.getElementById("run-done").hidden = false;
    } else if (run.status === "failed") {
      const error = document.getElementById("run-error");
      error.textContent = run.error;
      error.hidden = false;
    } else {
      setTimeout(poll, 1000);
    }
  }
  poll();
});
