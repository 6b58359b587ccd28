from django.contrib import admin

from modeling.models import ModelVersion, TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "dataset", "algorithm", "status", "progress", "created_at")
    list_filter = ("status", "algorithm")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("pk", "algorithm", "dataset", "is_active", "created_at")
    readonly_fields = ("checksum", "artifact", "library_versions", "metrics")
