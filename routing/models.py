"""Scored leads and the tiers they fall into."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from datasets.models import Dataset
from modeling.models import ModelVersion

# The seed's three tiers; a migration stores them and admins may change them.
DEFAULT_TIERS = (
    ("Hot", 0.70, "#b42318", "Call queue"),
    ("Warm", 0.30, "#b54708", "Nurture campaign"),
    ("Cold", 0.0, "#475467", "Automated follow-up only"),
)


class TierQuerySet(models.QuerySet):
    def ordered(self) -> list["Tier"]:
        """Return the tiers from the highest threshold down, seeding the
        defaults if an admin (or a test database flush) left none."""
        tiers = list(self.order_by("-min_probability"))
        if not tiers:
            tiers = [
                Tier.objects.create(
                    name=name, min_probability=low, colour=colour, follow_up=follow
                )
                for name, low, colour, follow in DEFAULT_TIERS
            ]
        return tiers


class Tier(models.Model):
    name = models.CharField(max_length=40, unique=True)
    min_probability = models.FloatField(
        help_text="Leads scoring at or above this share (0 to 1) land here."
    )
    colour = models.CharField(max_length=7, default="#475467")
    follow_up = models.CharField(max_length=120, blank=True)

    objects = TierQuerySet.as_manager()

    class Meta:
        ordering = ["-min_probability"]

    def __str__(self) -> str:
        return self.name


class Lead(models.Model):
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.CASCADE, related_name="leads"
    )
    row_number = models.PositiveIntegerField(null=True, blank=True)
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    fields = models.JSONField(default=dict)
    probability = models.FloatField(db_index=True)
    tier = models.ForeignKey(Tier, null=True, on_delete=models.SET_NULL)
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="leads"
    )
    reasons = models.JSONField(default=list)
    scored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-probability"]

    def __str__(self) -> str:
        return self.external_id or f"Lead #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("routing:lead", args=[self.pk])


class ScoringRun(models.Model):
    """One batch scoring of an upload's leads by one model version."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Scoring"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="scoring_runs"
    )
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    n_scored = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def mark(self, status: str, *, error: str = "", n_scored: int = 0) -> None:
        self.status, self.error, self.n_scored = status, error, n_scored
        if status in (self.Status.SUCCEEDED, self.Status.FAILED):
            self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "n_scored", "finished_at"])
