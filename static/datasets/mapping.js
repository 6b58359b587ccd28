// Reload the proposals as soon as another outcome column is picked.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("target-choice");
  if (select) {
    select.addEventListener("change", () => select.form.submit());
  }
});
