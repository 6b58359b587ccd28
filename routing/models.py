"""Scored leads and the tiers they fall into."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Least
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
    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

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
    # Where the lead came in: an API token's name, "web form" or a file name.
    source = models.CharField(max_length=255, blank=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    outcome = models.CharField(
        max_length=8, choices=Outcome.choices, blank=True, default=""
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # When the outcome was recorded here, which may be long after outcome_at:
    # "N new outcomes" counts these, so back-dated outcomes count too.
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    # Set when a tier's call-queue action put the lead in the sales queue.
    queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability"]
        constraints = [
            # A CRM that retries, or sends the same new lead twice at once,
            # must not create two leads (each would trigger its follow-up).
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="one_lead_per_external_id",
            )
        ]

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
    n_total = models.PositiveIntegerField(default=0)
    # A large upload is scored in chunks, one RQ job each, by any worker.
    n_chunks = models.PositiveIntegerField(default=0)
    n_chunks_done = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    # The upload with probability, tier and reasons appended, for download.
    output = models.FileField(upload_to="scored/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Scoring run #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("routing:run", args=[self.pk])

    def report_progress(self, n_scored: int) -> None:
        """Record progress with a direct UPDATE so the page sees it at once."""
        percent = int(100 * n_scored / self.n_total) if self.n_total else 0
        ScoringRun.objects.filter(pk=self.pk).update(
            n_scored=n_scored, progress=percent
        )

    def count_scored(self, n_rows: int) -> None:
        """Add scored rows in a single UPDATE, so chunk jobs running at once
        in several workers never lose each other's count. Progress stops at
        99% until the download is put together."""
        percent = (F("n_scored") + n_rows) * 100 / max(self.n_total, 1)
        ScoringRun.objects.filter(pk=self.pk).update(
            n_scored=F("n_scored") + n_rows, progress=Least(percent, 99)
        )

    def count_chunk(self) -> None:
        """Count one chunk whose rows are all scored and stored."""
        ScoringRun.objects.filter(pk=self.pk).update(
            n_chunks_done=F("n_chunks_done") + 1
        )

    def fail(self, error: str) -> bool:
        """Mark the run failed unless it has already ended; the first
        failure's message is the one kept. Return whether this call did it."""
        return bool(
            ScoringRun.objects.filter(
                pk=self.pk, status__in=[self.Status.QUEUED, self.Status.RUNNING]
            ).update(status=self.Status.FAILED, error=error, finished_at=timezone.now())
        )

    def mark(self, status: str, *, error: str = "", n_scored: int = 0) -> None:
        self.status, self.error, self.n_scored = status, error, n_scored
        if status in (self.Status.SUCCEEDED, self.Status.FAILED):
            self.finished_at = timezone.now()
        if status == self.Status.SUCCEEDED:
            self.progress = 100
        self.save(
            update_fields=["status", "error", "n_scored", "finished_at", "progress"]
        )


class Score(models.Model):
    """One scoring of a lead: its history, and what its deliveries hang on."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="scores")
    probability = models.FloatField()
    tier = models.ForeignKey(Tier, null=True, on_delete=models.SET_NULL)
    tier_name = models.CharField(max_length=40, blank=True)
    reasons = models.JSONField(default=list)
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-scored_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.probability:.0%} ({self.tier_name}) for lead {self.lead_id}"


class RoutingRule(models.Model):
    """An action a tier triggers after scoring, optionally only when a field
    of the lead has a given value."""

    class Kind(models.TextChoices):
        CALL_QUEUE = "call_queue", "Call queue"
        WEBHOOK = "webhook", "Webhook"
        EMAIL = "email", "E-mail"

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=500, blank=True)
    secret = models.CharField(max_length=64, blank=True)
    recipients = models.TextField(
        blank=True, help_text="E-mail addresses, one per line or comma-separated."
    )
    to_owner = models.BooleanField(
        default=False, help_text="Also e-mail the lead's owner."
    )
    filter_field = models.CharField(max_length=255, blank=True)
    filter_value = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tier", "pk"]

    def __str__(self) -> str:
        where = f" when {self.filter_field} is {self.filter_value}" * bool(
            self.filter_field
        )
        return f"{self.tier}: {self.get_kind_display()}{where}"


class Delivery(models.Model):
    """One rule's action for one scoring; its attempts say what happened."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    rule = models.ForeignKey(
        RoutingRule, on_delete=models.CASCADE, related_name="deliveries"
    )
    score = models.ForeignKey(
        Score, on_delete=models.CASCADE, related_name="deliveries"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    n_attempts = models.PositiveIntegerField(default=0)
    n_resends = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Nothing is sent twice for one scoring, unless an admin re-sends.
            models.UniqueConstraint(fields=["rule", "score"], name="one_delivery")
        ]

    def __str__(self) -> str:
        return f"Delivery #{self.pk} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveIntegerField()
    ok = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_ms = models.FloatField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"


class ApiToken(models.Model):
    """A secret for one integration; only its SHA-256 is stored."""

    name = models.CharField(max_length=80, unique=True)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
