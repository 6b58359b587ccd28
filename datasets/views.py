from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from datasets import intake
from datasets.errors import DatasetError
from datasets.forms import MappingForm, ReadingForm, UploadForm
from datasets.models import Dataset
from datasets.target import suggest_target_column


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "datasets/upload.html", {"form": form, "step": "upload"})

    dataset = create_dataset(request, form.cleaned_data["file"], Dataset.Purpose.HISTORY)
    return redirect("datasets:preview", dataset.pk)


def create_dataset(request: HttpRequest, upload, purpose: str) -> Dataset:
    """Keep the file as received, then read it; a failure is shown, not raised."""
    dataset = Dataset.objects.create(
        owner=request.user,
        purpose=purpose,
        file=upload,
        original_name=upload.name[:255],
        size=upload.size,
    )
    try:
        intake.inspect_upload(dataset)
    except DatasetError:
        pass  # the message is stored on the dataset and shown on its page
    return dataset


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk)
    reading = ReadingForm(
        initial={
            "encoding": dataset.encoding,
            "delimiter": dataset.delimiter,
            "sheet": dataset.sheet,
        }
    )
    context = {"dataset": dataset, "reading": reading, "step": "columns"}
    return render(request, "datasets/preview.html", context)


@login_required
@require_POST
def reread(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk)
    form = ReadingForm(request.POST)
    if form.is_valid():
        dataset.encoding = form.cleaned_data["encoding"]
        dataset.delimiter = form.cleaned_data["delimiter"]
        dataset.sheet = form.cleaned_data["sheet"]
        try:
            intake.inspect_upload(dataset)
            messages.success(request, "The file was read again with your settings.")
        except DatasetError:
            pass
    return redirect("datasets:preview", dataset.pk)


@login_required
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk, status=Dataset.Status.READY)
    try:
        frame = intake.load_table(dataset)
        target = choose_target(request, dataset, frame)
        advice = intake.advise_mapping(
            dataset, frame, target, chosen_positive(request, dataset, target)
        )
    except DatasetError as error:
        return render_mapping(request, dataset, None, None, error=str(error))

    form = MappingForm(
        request.POST or None,
        columns=list(frame.columns),
        values=advice.values,
        initial={"target": target, "positive": advice.positive,
                 "excluded": list(advice.excluded)},
    )
    if request.method == "POST" and form.is_valid():
        excluded = {
            column: advice.excluded.get(column, "Left out by you.")
            for column in form.cleaned_data["excluded"]
        }
        intake.save_mapping(
            dataset, frame, target=target,
            positive=form.cleaned_data["positive"], excluded=excluded,
        )
        return redirect("modeling:train", dataset.pk)
    return render_mapping(request, dataset, form, advice)


def choose_target(request: HttpRequest, dataset: Dataset, frame) -> str:
    target = (
        request.POST.get("target")
        or request.GET.get("target")
        or dataset.target_column
        or suggest_target_column(frame)
        or frame.columns[-1]
    )
    if target not in frame.columns:
        raise DatasetError(f"There is no column called {target!r} in this file.")
    return target


def chosen_positive(request: HttpRequest, dataset: Dataset, target: str) -> list[str]:
    if target == dataset.target_column:
        return dataset.positive_values
    return []


def render_mapping(request, dataset, form, advice, error: str = "") -> HttpResponse:
    context = {
        "dataset": dataset,
        "form": form,
        "advice": advice,
        "error": error,
        "step": "mapping",
        "columns": [c["name"] for c in dataset.profile],
    }
    if advice is not None:
        context["level"], context["sufficiency"] = intake.sufficiency(advice.counts)
    return render(request, "datasets/mapping.html", context)
