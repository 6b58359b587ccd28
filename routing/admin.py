from django.contrib import admin

from routing.models import Lead, ScoringRun, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("name", "min_probability", "follow_up", "colour")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("pk", "external_id", "probability", "tier", "model_version")
    list_filter = ("tier",)


@admin.register(ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "dataset", "model_version", "status", "n_scored")
