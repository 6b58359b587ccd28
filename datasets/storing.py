"""Keep a file given on the command line as an upload, like the browser does."""

from pathlib import Path

from django.core.files import File

from datasets.errors import DatasetError
from datasets.models import Dataset


def dataset_from_path(
    path: str | Path, *, purpose: str = Dataset.Purpose.HISTORY
) -> Dataset:
    """Copy the file into storage as a new Dataset and return it (unread)."""
    source = Path(path)
    if not source.is_file():
        raise DatasetError(f"There is no file at {source}.")
    with source.open("rb") as handle:
        return Dataset.objects.create(
            purpose=purpose,
            file=File(handle, name=source.name),
            original_name=source.name[:255],
            size=source.stat().st_size,
        )
