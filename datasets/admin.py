from django.contrib import admin

from datasets.models import Dataset


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("original_name", "purpose", "status", "row_count", "uploaded_at")
    list_filter = ("purpose", "status")
    readonly_fields = ("file", "size", "profile", "placeholders", "preview_rows")
