"""Training runs and the model versions they produce."""

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from datasets.models import Dataset


class Algorithm(models.TextChoices):
    AUTO = "auto", "Automatic: the best of the three"
    LOGISTIC = "logistic", "Logistic regression"
    FOREST = "forest", "Random forest"
    BOOSTING = "boosting", "Gradient boosting"


ROW_ORDER = "__rows__"


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Training"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    algorithm = models.CharField(max_length=16, choices=Algorithm.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    job_id = models.CharField(max_length=64, blank=True)
    # Blank: shuffled validation; ROW_ORDER: the rows are in time order;
    # otherwise the date column that orders the leads in time.
    time_order = models.CharField(max_length=255, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Training run #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("modeling:run", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (
            self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED
        )

    def report_progress(self, percent: int, stage: str) -> None:
        """Record progress with a direct UPDATE so the page sees it at once;
        stop here if someone cancelled the run."""
        runs = TrainingRun.objects.filter(pk=self.pk)
        runs.update(progress=percent, stage=stage)
        if runs.filter(cancel_requested=True).exists():
            raise TrainingCancelled()

    def mark_running(self) -> None:
        self.status = self.Status.RUNNING
        self.started_at = timezone.now()
        self.stage = "Reading the file"
        self.save(update_fields=["status", "started_at", "stage"])

    def mark_succeeded(self) -> None:
        self.status = self.Status.SUCCEEDED
        self.progress = 100
        self.stage = "Done"
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "progress", "stage", "finished_at"])

    def mark_failed(self, message: str, *, status: str = Status.FAILED) -> None:
        self.status = status
        self.error = message
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])


class TrainingCancelled(Exception):
    """Raised inside a training job when its run was cancelled."""


class ModelVersion(models.Model):
    run = models.OneToOneField(
        TrainingRun, on_delete=models.CASCADE, related_name="version"
    )
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="versions"
    )
    algorithm = models.CharField(max_length=16, choices=Algorithm.choices)
    feature_columns = models.JSONField(default=list)
    column_kinds = models.JSONField(default=dict)
    target = models.JSONField(default=dict)
    excluded = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    importances = models.JSONField(default=list)
    baseline_row = models.JSONField(default=dict)
    # The held-out leads' scores and outcomes, for tier previews and charts.
    holdout = models.JSONField(default=dict)
    validation = models.JSONField(default=dict)
    segments = models.JSONField(default=list)
    curves = models.JSONField(default=dict)
    candidates = models.JSONField(default=dict)
    # A hash of the training rows, so a score can be traced to its data.
    fingerprint = models.CharField(max_length=64, blank=True)
    n_trained = models.PositiveIntegerField(default=0)
    n_open = models.PositiveIntegerField(default=0)
    artifact = models.FileField(upload_to="models/")
    checksum = models.CharField(max_length=64)
    library_versions = models.JSONField(default=dict)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_model",
            )
        ]

    def __str__(self) -> str:
        return f"Model v{self.pk} ({self.get_algorithm_display()})"

    def get_absolute_url(self) -> str:
        return reverse("modeling:version", args=[self.pk])

    @classmethod
    def active(cls) -> "ModelVersion | None":
        return cls.objects.filter(is_active=True).first()

    def activate(self) -> None:
        """Make this the model that scores new leads, and no other."""
        with transaction.atomic():
            ModelVersion.objects.filter(is_active=True).exclude(pk=self.pk).update(
                is_active=False
            )
            ModelVersion.objects.filter(pk=self.pk).update(is_active=True)
        self.is_active = True
