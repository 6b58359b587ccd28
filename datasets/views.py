from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from datasets import intake, presenting
from datasets.combining import guess_keys
from datasets.errors import DatasetError
from datasets.forms import JoinForm, MappingForm, ReadingForm, UploadForm
from datasets.models import Dataset
from datasets.sample import SAMPLE_NAME, sample_csv_bytes
from datasets.target import suggest_target_column

LATER = "You said it was filled in after the first contact."


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "datasets/upload.html", {"form": form, "step": "upload"})

    upload = form.cleaned_data["file"]
    dataset = create_dataset(request, upload, Dataset.Purpose.HISTORY)
    return redirect("datasets:preview", dataset.pk)


@login_required
@require_POST
def try_sample(request: HttpRequest) -> HttpResponse:
    upload = ContentFile(sample_csv_bytes(), name=SAMPLE_NAME)
    dataset = create_dataset(request, upload, Dataset.Purpose.HISTORY)
    messages.success(
        request,
        "Here is a made-up lead history to try. Check its "
        "columns, then choose the outcome column: Status.",
    )
    return redirect("datasets:preview", dataset.pk)


def create_dataset(request: HttpRequest, upload: UploadedFile, purpose: str) -> Dataset:
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
        sheets=dataset.sheets,
        initial={
            "encoding": dataset.encoding,
            "delimiter": dataset.delimiter,
            "sheet": dataset.sheet,
        },
    )
    context = {
        "dataset": dataset,
        "reading": reading,
        "step": "columns",
        "read_as": presenting.describe_reading(dataset),
        "columns": presenting.column_rows(dataset),
        "placeholders": presenting.placeholder_notes(dataset),
        "unparsed": presenting.unparsed_notes(dataset),
    }
    return render(request, "datasets/preview.html", context)


@login_required
@require_POST
def reread(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk)
    form = ReadingForm(request.POST, sheets=dataset.sheets)
    if form.is_valid():
        for name in ("encoding", "delimiter", "sheet"):
            setattr(dataset, name, form.cleaned_data.get(name, ""))
        # Kept even if reading fails, so the form shows what was tried.
        dataset.save(update_fields=["encoding", "delimiter", "sheet"])
        try:
            intake.inspect_upload(dataset)
            messages.success(request, "The file was read again with your settings.")
        except DatasetError:
            pass  # stored on the dataset and shown on its page
    return redirect("datasets:preview", dataset.pk)


@login_required
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk)
    if dataset.status != Dataset.Status.READY:
        return redirect("datasets:preview", dataset.pk)
    try:
        frame = intake.load_uncleaned(dataset)
        target = choose_target(request, dataset, frame)
        advice = intake.advise_mapping(
            dataset, frame, target, chosen_positive(request, dataset, target)
        )
    except DatasetError as error:
        return render_mapping(request, dataset, None, None, error=str(error))

    form = mapping_form(request, dataset, frame, target, advice)
    if request.method == "POST" and form.is_valid():
        try:
            save_mapping(dataset, frame, form, advice)
        except DatasetError as error:
            return render_mapping(request, dataset, form, advice, error=str(error))
        return redirect("modeling:train", dataset.pk)
    return render_mapping(request, dataset, form, advice)


def mapping_form(request, dataset, frame, target: str, advice) -> MappingForm:
    accepted = [
        i
        for i, (column, group) in enumerate(
            (c, g) for c, groups in advice.merges.items() for g in groups
        )
        if group in dataset.merges.get(column, [])
    ]
    # Coming back to a saved mapping shows what was chosen, not the advice.
    saved = dataset.is_mapped and target == dataset.target_column
    later = [c for c in advice.questions if saved and dataset.excluded.get(c) == LATER]
    excluded = dataset.excluded if saved else advice.excluded
    answers = {f"known_{advice.questions.index(c)}": "no" for c in later}
    return MappingForm(
        request.POST or None,
        columns=list(frame.columns),
        values=advice.values,
        merges=advice.merges,
        questions=advice.questions,
        initial={
            "target": target,
            "positive": advice.positive,
            "still_open": advice.open_values,
            "excluded": [c for c in excluded if c != target and c not in later],
            "merges": [str(i) for i in accepted],
            **answers,
        },
    )


def save_mapping(dataset: Dataset, frame, form: MappingForm, advice) -> None:
    excluded = {
        column: advice.excluded.get(column, "Left out by you.")
        for column in form.cleaned_data["excluded"]
    }
    excluded |= {column: LATER for column in form.known_later()}
    intake.save_mapping(
        dataset,
        frame,
        target=form.cleaned_data["target"],
        positive=form.cleaned_data["positive"],
        excluded=excluded,
        still_open=form.cleaned_data["still_open"],
        merges=form.accepted_merges(),
    )


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
        "target": form.initial["target"] if form else "",
    }
    if advice is not None:
        context["level"], context["sufficiency"] = intake.sufficiency(advice.counts)
    return render(request, "datasets/mapping.html", context)


@login_required
def combine(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk, status=Dataset.Status.READY)
    form = UploadForm(request.POST or None, request.FILES or None)
    form.fields["file"].label = "File with more columns about the same leads"
    context = {"dataset": dataset, "form": form, "step": "columns"}
    if request.method != "POST" or not form.is_valid():
        return render(request, "datasets/combine.html", context)

    extra = create_dataset(request, form.cleaned_data["file"], Dataset.Purpose.EXTRA)
    if extra.status == Dataset.Status.FAILED:
        context["error"] = extra.error
        return render(request, "datasets/combine.html", context)
    return redirect("datasets:combine-keys", dataset.pk, extra.pk)


@login_required
def combine_keys(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk, status=Dataset.Status.READY)
    extra = get_object_or_404(Dataset, pk=other, status=Dataset.Status.READY)
    form = join_form(request, dataset, extra)
    if not form.is_valid():
        return render_join(request, dataset, extra, form, None)

    key, other_key = form.cleaned_data["key"], form.cleaned_data["other_key"]
    check = intake.check_join_choice(dataset, extra, key, other_key)
    if request.method == "POST" and check.n_matched:
        intake.apply_join(dataset, extra, key, other_key)
        messages.success(request, f"The columns of {extra.original_name} were added.")
        return redirect("datasets:preview", dataset.pk)
    return render_join(request, dataset, extra, form, check)


def join_form(request: HttpRequest, dataset: Dataset, extra: Dataset) -> JoinForm:
    columns = intake.own_columns(dataset)
    other_columns = [c["name"] for c in extra.profile]
    data = request.POST if request.method == "POST" else request.GET
    if "key" not in data:
        key, other_key = guess_keys(columns, other_columns)
        data = {"key": key, "other_key": other_key}
    return JoinForm(data, columns=columns, other_columns=other_columns)


def render_join(request, dataset, extra, form, check) -> HttpResponse:
    context = {
        "dataset": dataset,
        "extra": extra,
        "form": form,
        "check": check,
        "step": "columns",
    }
    return render(request, "datasets/combine_keys.html", context)


@login_required
@require_POST
def uncombine(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk)
    try:
        intake.remove_join(dataset)
        messages.success(request, "The joined columns were removed.")
    except DatasetError:
        pass  # stored on the dataset and shown on its page
    return redirect("datasets:preview", dataset.pk)
