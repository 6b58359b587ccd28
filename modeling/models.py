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


class RunKind(models.TextChoices):
    TRAIN = "train", "First training on an upload"
    RETRAIN = "retrain", "Retraining on the outcomes since"


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
    kind = models.CharField(
        max_length=16, choices=RunKind.choices, default=RunKind.TRAIN
    )
    # Who or what started a retraining: "admin", "schedule", "outcomes", "shell".
    trigger = models.CharField(max_length=16, blank=True)
    # A retraining's model replaces the active one only when this is set.
    promote = models.BooleanField(default=False)
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
            self.Status.SUCCEEDED,
            self.Status.FAILED,
            self.Status.CANCELLED,
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
    # The distribution of each input and of the scores in the training data.
    reference = models.JSONField(default=dict, blank=True)
    # The history's category clean-up the model learned with ("merges" and
    # "kept_values", as on Dataset), applied to every lead it scores, so a
    # lead sent as "GOOGLE" is the "Google" it learned about.
    cleanup = models.JSONField(default=dict, blank=True)
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


# --- retraining, comparison, drift and audit (issue 6) ---


class RetrainPolicy(models.Model):
    """The one row saying when and how models are retrained."""

    class Schedule(models.TextChoices):
        OFF = "off", "Off"
        MONTHLY = "monthly", "Every month"
        QUARTERLY = "quarterly", "Every quarter"
        OUTCOMES = "outcomes", "When enough new outcomes arrived"

    schedule = models.CharField(
        max_length=16, choices=Schedule.choices, default=Schedule.QUARTERLY
    )
    min_new_outcomes = models.PositiveIntegerField(
        default=200, help_text="For 'when enough new outcomes arrived'."
    )
    auto_promote = models.BooleanField(
        default=False,
        help_text="Put a retrained model in use when it beats the active one.",
    )
    promote_margin = models.FloatField(
        default=0.01, help_text="How much higher its ROC AUC must be (0.01 = 1 point)."
    )
    drift_threshold = models.FloatField(
        default=0.25, help_text="Population stability index that raises a warning."
    )
    drift_emails = models.TextField(
        blank=True, help_text="Addresses warned when drift crosses the threshold."
    )
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Retraining: {self.get_schedule_display()}"

    @classmethod
    def current(cls) -> "RetrainPolicy":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class Comparison(models.Model):
    """A retrained model beside the active one on the same recent leads."""

    challenger = models.OneToOneField(
        ModelVersion, on_delete=models.CASCADE, related_name="comparison"
    )
    champion = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    n_leads = models.PositiveIntegerField(default=0)
    # Held-out leads the champion had already learned from (it flatters it).
    n_seen_by_champion = models.PositiveIntegerField(default=0)
    challenger_metrics = models.JSONField(default=dict)
    champion_metrics = models.JSONField(default=dict)
    n_changed_tier = models.PositiveIntegerField(default=0)
    n_compared_for_tier = models.PositiveIntegerField(default=0)
    tier_moves = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"v{self.challenger_id} beside v{self.champion_id}"


class DriftCheck(models.Model):
    """Recent leads' inputs and scores against the model's training data."""

    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="drift_checks"
    )
    n_leads = models.PositiveIntegerField(default=0)
    columns = models.JSONField(default=dict)
    score_psi = models.FloatField(null=True, blank=True)
    worst = models.FloatField(default=0.0)
    alert = models.BooleanField(default=False)
    emailed = models.BooleanField(default=False)
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"Drift of v{self.version_id}: {self.worst:.2f}"


class AuditEntry(models.Model):
    """One change to tiers, rules, models or users: who, what and why."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when no person acted: "automatic rule", "schedule", "shell".
    actor_label = models.CharField(max_length=80, blank=True)
    subject = models.CharField(max_length=16, db_index=True)
    action = models.CharField(max_length=16)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.who}: {self.summary}"

    @property
    def who(self) -> str:
        return str(self.actor) if self.actor else self.actor_label or "unknown"


# Imported for their signal receivers: the audit log, and arming the schedule.
from modeling import audit, schedule  # noqa: E402,F401
