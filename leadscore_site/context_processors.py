"""The path to a first model (upload, check columns, outcome and exclusions,
train, review, score): which steps of one lead history are done, which one a
page shows, and where a user who stopped half-way picks up again."""

from dataclasses import dataclass

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from datasets.models import Dataset
from modeling.models import ModelVersion, RunKind, TrainingRun
from routing.models import Lead, ScoringRun

STEPS = (
    ("upload", "Upload"),
    ("columns", "Check columns"),
    ("mapping", "Outcome and exclusions"),
    ("train", "Train"),
    ("review", "Review"),
    ("score", "Score leads"),
)
# The step each page of the path shows; the views say the same with `step`
# (tests/test_home.py keeps the two in line).
STEP_OF_VIEW = {
    "datasets:upload": "upload",
    "datasets:preview": "columns",
    "datasets:combine": "columns",
    "datasets:combine-keys": "columns",
    "datasets:mapping": "mapping",
    "modeling:train": "train",
    "modeling:run": "train",
    "modeling:version": "review",
    "routing:leads": "score",
    "routing:upload": "score",
    "routing:run": "score",
}
DATASET_VIEWS = {
    "datasets:preview",
    "datasets:mapping",
    "datasets:combine",
    "datasets:combine-keys",
    "modeling:train",
}


@dataclass(frozen=True)
class Step:
    """One step of the path as the indicator shows it."""

    key: str
    label: str
    number: int
    state: str  # "done", "current", "next" or "todo"
    url: str  # blank while the step cannot be opened yet

    @property
    def link(self) -> str:
        """Return the URL to show as a link: none for the page itself."""
        return "" if self.state == "current" else self.url


@dataclass(frozen=True)
class Resume:
    """Where a user picks up the path again, in words and as a link."""

    key: str
    text: str
    url: str
    finished: bool


def steps(request: HttpRequest) -> dict:
    """Give pages the path of the lead history they belong to.

    Worked out only when a page shows the indicator, so other pages pay
    nothing for it.
    """
    return {"step_path": SimpleLazyObject(lambda: path_of_page(request))}


def path_of_page(request: HttpRequest) -> list[Step]:
    """Return the steps for the page's lead history, the page's step current."""
    match = request.resolver_match
    name = match.view_name if match else ""
    dataset = dataset_of_page(name, match.kwargs if match else {}, request.GET)
    return path_steps(dataset, current=STEP_OF_VIEW.get(name))


def dataset_of_page(name: str, kwargs: dict, query: QueryDict) -> Dataset | None:
    """Return the lead history a page of the path is about, if any.

    A new upload starts a new path, so the upload page has none.
    """
    pk = kwargs.get("pk")
    if name in DATASET_VIEWS:
        return history_of(Dataset.objects.filter(pk=pk).first())
    if name == "modeling:run":
        run = TrainingRun.objects.select_related("dataset").filter(pk=pk).first()
        return run.dataset if run else None
    if name == "modeling:version":
        version = ModelVersion.objects.select_related("dataset").filter(pk=pk)
        return version[0].dataset if version else None
    if name == "routing:run":
        return scored_history(pk)
    if name == "routing:leads" and str(query.get("dataset", "")).isdigit():
        return history_of(Dataset.objects.filter(pk=query["dataset"]).first())
    if name in ("routing:leads", "routing:upload"):
        active = ModelVersion.active()
        return active.dataset if active else None
    return None


def history_of(dataset: Dataset | None) -> Dataset | None:
    """Return the lead history behind an upload: itself, or for a file of new
    leads the history of the model that scored it."""
    if dataset is None or dataset.purpose == Dataset.Purpose.HISTORY:
        return dataset
    run = ScoringRun.objects.filter(dataset=dataset).first()
    return scored_history(run.pk) if run else None


def scored_history(scoring_run_pk: int) -> Dataset | None:
    """Return the history of the model a scoring run used."""
    run = (
        ScoringRun.objects.select_related("model_version__dataset")
        .filter(pk=scoring_run_pk)
        .first()
    )
    return run.model_version.dataset if run and run.model_version else None


def done_steps(dataset: Dataset | None, current: str | None = None) -> dict[str, bool]:
    """Return, per step, whether the lead history has been through it.

    Checking the columns and reviewing the model store nothing, so each
    counts as done once the user is past it or the step after it is done.
    """
    if dataset is None:
        return {key: False for key, _ in STEPS}
    keys = [key for key, _ in STEPS]
    past = keys[: keys.index(current)] if current in keys else []
    version = dataset.versions.first()
    scored = Lead.objects.filter(model_version__dataset=dataset).exists()
    readable = dataset.status == Dataset.Status.READY
    return {
        "upload": True,
        "columns": dataset.is_mapped or (readable and "columns" in past),
        "mapping": dataset.is_mapped,
        "train": version is not None,
        "review": scored or (version is not None and "review" in past),
        "score": scored,
    }


def path_steps(dataset: Dataset | None, *, current: str | None = None) -> list[Step]:
    """Return the six steps with their state and link.

    The step after the current one (from the start on the home page) that is
    not done yet is marked "next".
    """
    done, urls = done_steps(dataset, current), step_urls(dataset)
    keys = [key for key, _ in STEPS]
    start = keys.index(current) + 1 if current in keys else 0
    upcoming = next((key for key in keys[start:] if not done[key]), None)
    return [
        Step(
            key=key,
            label=label,
            number=number,
            state=(
                "current"
                if key == current
                else "done"
                if done[key]
                else "next"
                if key == upcoming
                else "todo"
            ),
            url=urls.get(key, ""),
        )
        for number, (key, label) in enumerate(STEPS, start=1)
    ]


def step_urls(dataset: Dataset | None) -> dict[str, str]:
    """Return the page of each step that can be opened for the lead history."""
    urls = {"upload": reverse("datasets:upload")}
    if dataset is None:
        return urls
    urls["columns"] = dataset.get_absolute_url()
    if dataset.status == Dataset.Status.READY:
        urls["mapping"] = reverse("datasets:mapping", args=[dataset.pk])
    if dataset.is_mapped:
        run = training_to_follow(dataset)
        urls["train"] = (
            run.get_absolute_url()
            if run
            else reverse("modeling:train", args=[dataset.pk])
        )
    version = dataset.versions.first()
    if version is not None:
        urls["review"] = version.get_absolute_url()
        urls["score"] = f"{reverse('routing:leads')}?dataset={dataset.pk}"
    return urls


def training_to_follow(dataset: Dataset) -> TrainingRun | None:
    """Return the history's newest training when it is still going, or when
    it stopped before the history had any model: its page says what to do."""
    run = dataset.runs.filter(kind=RunKind.TRAIN).select_related("version").first()
    if run is None or hasattr(run, "version"):
        return None
    if run.is_finished and dataset.versions.exists():
        return None
    return run


def resume(dataset: Dataset | None) -> Resume:
    """Return where the user picks up the path of this lead history."""
    path = path_steps(dataset)
    step = next((s for s in path if s.state == "next"), path[-1])
    finished = all(s.state == "done" for s in path)
    return Resume(
        step.key, resume_text(dataset, step.key, finished), step.url, finished
    )


def resume_text(dataset: Dataset | None, key: str, finished: bool) -> str:
    """Return the next step in words, naming the file."""
    if dataset is None:
        return "Upload lead history"
    name = dataset.original_name
    if finished:
        return f"See the leads ranked by the model trained on {name}"
    if key == "columns" and dataset.status == Dataset.Status.FAILED:
        return f"See why {name} could not be read"
    run = training_to_follow(dataset) if key == "train" else None
    if run is not None:
        if run.is_finished:
            return f"See why the training on {name} stopped"
        return f"Follow the training on {name}"
    return {
        "columns": f"Check the columns of {name}",
        "mapping": f"Choose the outcome column of {name}",
        "train": f"Train a model on {name}",
        "review": f"Review the model trained on {name}",
        "score": f"Score leads with the model trained on {name}",
    }[key]
