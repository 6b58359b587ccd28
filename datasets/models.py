"""An uploaded lead history: the file as received, what was found in it, and
how the user mapped its columns."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse


def upload_path(instance: "Dataset", filename: str) -> str:
    """Store every upload under a generated name; the user's name never
    reaches a path on disk."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"uploads/{uuid.uuid4().hex}{suffix if suffix.isascii() else ''}"


class Dataset(models.Model):
    class Purpose(models.TextChoices):
        HISTORY = "history", "Lead history with outcomes"
        NEW_LEADS = "new_leads", "New leads to score"
        EXTRA = "extra", "More columns to join to a lead history"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be read"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    purpose = models.CharField(
        max_length=16, choices=Purpose.choices, default=Purpose.HISTORY
    )
    file = models.FileField(upload_to=upload_path)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UPLOADED
    )
    error = models.TextField(blank=True)

    # What was detected (or chosen by the user) when reading the file; the
    # worker reads the file again with exactly these options.
    format = models.CharField(max_length=8, blank=True)
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    sheet = models.CharField(max_length=255, blank=True)
    sheets = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    column_count = models.PositiveIntegerField(default=0)
    profile = models.JSONField(default=list, blank=True)
    placeholders = models.JSONField(default=dict, blank=True)
    # Column -> cells that were not numbers in a numeric column, read as blank.
    unparsed = models.JSONField(default=dict, blank=True)
    preview_rows = models.JSONField(default=list, blank=True)

    # The column mapping chosen on the mapping page.
    target_column = models.CharField(max_length=255, blank=True)
    positive_values = models.JSONField(default=list, blank=True)
    negative_values = models.JSONField(default=list, blank=True)
    excluded = models.JSONField(default=dict, blank=True)
    leakage = models.JSONField(default=list, blank=True)
    outcome_counts = models.JSONField(default=dict, blank=True)

    # Clean-up the user accepted; load_table applies it, so training and
    # scoring see the same table. merges: column -> groups, first value kept;
    # kept_values: column -> values kept, the rest become "Other"; join: the
    # second file and key columns (see datasets.combining).
    merges = models.JSONField(default=dict, blank=True)
    kept_values = models.JSONField(default=dict, blank=True)
    join = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.original_name} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("datasets:preview", args=[self.pk])

    @property
    def is_mapped(self) -> bool:
        return bool(self.target_column and self.positive_values)

    def kinds(self) -> dict[str, str]:
        """Return each column's detected kind, by column name."""
        return {column["name"]: column["kind"] for column in self.profile}

    def feature_columns(self) -> list[str]:
        """Return the columns a model may learn from under this mapping."""
        return [
            column["name"]
            for column in self.profile
            if column["name"] != self.target_column
            and column["name"] not in self.excluded
        ]

    def mark_failed(self, message: str) -> None:
        self.status = self.Status.FAILED
        self.error = message
        self.save(update_fields=["status", "error"])
