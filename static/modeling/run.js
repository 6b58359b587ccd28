// Poll the run's status, move the bar, and open the model page when done.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("run");
  if (!box) return;
  const stage = document.getElementById("run-stage");
  const bar = document.getElementById("run-progress");
  const errorBox = document.getElementById("run-error");

  async function poll() {
    const response = await fetch(box.dataset.statusUrl, {credentials: "same-origin"});
    if (!response.ok) return setTimeout(poll, 3000);
    const run = await response.json();
    bar.value = run.progress;
    bar.textContent = run.progress + "%";
    stage.textContent = run.stage || run.status;
    if (run.model_url) {
      window.location.assign(run.model_url);
    } else if (run.status === "failed" || run.status === "cancelled") {
      document.getElementById("run-error-text").textContent = run.error;
      errorBox.hidden = false;
      document.getElementById("cancel-form").hidden = true;
      stage.textContent = run.status === "failed" ? "Training failed" : "Cancelled";
    } else {
      setTimeout(poll, 1000);
    }
  }
  poll();
});
