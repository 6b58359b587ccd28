from django import forms
from django.conf import settings

ENCODINGS = [
    ("", "Detect automatically"),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with BOM"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows (Western European)"),
    ("latin-1", "Latin-1"),
    ("mac-roman", "Mac Roman (old Mac Excel)"),
]
DELIMITERS = [
    ("", "Detect automatically"),
    (",", "Comma ,"),
    (";", "Semicolon ;"),
    ("\t", "Tab"),
    ("|", "Pipe |"),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet of past leads",
        help_text="CSV, TSV or Excel (.xlsx), with one row per lead and a column "
        "saying whether the lead became a customer.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError("The file is empty. Export it again.")
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(
                f"The file is larger than the {limit} MB limit. Split it, or ask "
                "your administrator to raise UPLOAD_MAX_MB."
            )
        return upload


class ReadingForm(forms.Form):
    encoding = forms.ChoiceField(choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(
        choices=DELIMITERS, required=False, label="Values separated by"
    )
    sheet = forms.CharField(required=False, label="Excel sheet")


class MappingForm(forms.Form):
    target = forms.ChoiceField(label="Outcome column")
    positive = forms.MultipleChoiceField(
        label="Values that mean the lead converted",
        widget=forms.CheckboxSelectMultiple,
    )
    excluded = forms.MultipleChoiceField(
        label="Columns to leave out",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, columns: list[str], values: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(c, c) for c in columns]
        self.fields["positive"].choices = [(v, v) for v in values]
        self.fields["excluded"].choices = [(c, c) for c in columns]
