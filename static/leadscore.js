// Shared by every page. Tier colours are set by admins, so they arrive as
// data attributes and are applied here: the content security policy allows
// no inline styles.
document.addEventListener("DOMContentLoaded", () => {
  for (const badge of document.querySelectorAll("[data-tier-colour]")) {
    badge.style.setProperty("--tier-colour", badge.dataset.tierColour);
  }
});
