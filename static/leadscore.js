// Shared by every page. The content security policy allows no inline script
// or style, so what pages need from script is asked for with data attributes.

// Tier colours are set by admins, so they arrive as data attributes.
function paintTiers() {
  for (const badge of document.querySelectorAll("[data-tier-colour]")) {
    badge.style.setProperty("--tier-colour", badge.dataset.tierColour);
  }
}

// The server writes times in its own zone; each reader sees them in their
// browser's language and time zone. data-format="date" keeps only the day.
function localiseTimes() {
  const formats = {
    datetime: new Intl.DateTimeFormat(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    }),
    date: new Intl.DateTimeFormat(undefined, {dateStyle: "medium"}),
  };
  for (const element of document.querySelectorAll("time[datetime]")) {
    const when = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) continue;
    const format = formats[element.dataset.format] || formats.datetime;
    element.textContent = format.format(when);
    element.dataset.localised = "true";
  }
}

// A page waiting for a background job marks its notice with
// data-wait-for-job. The page is fetched again every few seconds (less often
// once the job has run for minutes); once the notice is gone from it, the
// job has ended and the page reloads itself.
function reloadWhenJobsEnd() {
  if (!document.querySelector("[data-wait-for-job]")) return;
  let checks = 0;
  const later = () => setTimeout(check, ++checks < 40 ? 2500 : 10000);
  const check = async () => {
    try {
      const response = await fetch(window.location.href, {
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const html = await response.text();
        const fresh = new DOMParser().parseFromString(html, "text/html");
        if (!fresh.querySelector("[data-wait-for-job]")) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // The server may be restarting; keep asking.
    }
    later();
  };
  later();
}

function timeLeftText(ms) {
  const seconds = Math.round(ms / 1000);
  if (seconds < 10) return "A few seconds left";
  if (seconds < 60) return "About " + Math.ceil(seconds / 10) * 10 + " seconds left";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return "About " + minutes + (minutes === 1 ? " minute" : " minutes") + " left";
  }
  const hours = Math.round(minutes / 6) / 10;
  return "About " + hours + (hours === 1 ? " hour" : " hours") + " left";
}

// Every progress bar gets an estimate of the time left, from how fast it has
// moved since the page opened. The page's own script moves the bar.
function estimateTimeLeft() {
  for (const bar of document.querySelectorAll("progress")) {
    let note = document.getElementById(bar.id + "-estimate");
    if (!note) {
      note = document.createElement("p");
      note.className = "estimate";
      note.id = bar.id + "-estimate";
      bar.after(note);
    }
    const start = {at: Date.now(), value: Number(bar.value)};
    const update = () => {
      const value = Number(bar.value);
      const failed = bar.parentElement.querySelector("[role=alert]:not([hidden])");
      if (failed) {
        note.hidden = true;
      } else if (value >= 100) {
        note.textContent = "Done.";
      } else if (value > start.value) {
        const perMs = (value - start.value) / (Date.now() - start.at);
        note.textContent = timeLeftText((100 - value) / perMs);
      } else {
        note.textContent = "Working out how long this takes…";
      }
    };
    update();
    new MutationObserver(update).observe(bar, {attributes: true});
  }
}

// A form that deletes or stops something asks first (data-confirm).
function confirmDestructiveForms() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  paintTiers();
  localiseTimes();
  reloadWhenJobsEnd();
  estimateTimeLeft();
  confirmDestructiveForms();
});
