from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

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
KNOWN_CHOICES = [
    ("yes", "Yes, we knew it before the first contact"),
    ("no", "No, it was filled in later: leave it out"),
]


class UploadForm(forms.Form):
    # Empty files are accepted here so that they are kept and explained on
    # the file's page like any other unreadable file.
    file = forms.FileField(
        label="Spreadsheet of past leads",
        allow_empty_file=True,
        help_text="CSV, TSV or Excel (.xlsx), with one row per lead and a column "
        "saying whether the lead became a customer.",
    )

    def clean_file(self) -> UploadedFile:
        # An oversized file arrives as a RefusedUpload (datasets/uploads.py):
        # its size, with nothing of it stored.
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
            raise forms.ValidationError(
                f"The file is larger than the {limit:,.0f} MB limit. Split it, or "
                "ask your administrator to raise UPLOAD_MAX_MB."
            )
        return upload


class ReadingForm(forms.Form):
    encoding = forms.ChoiceField(choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(
        choices=DELIMITERS, required=False, label="Values separated by"
    )
    sheet = forms.ChoiceField(required=False, label="Excel sheet")

    def __init__(self, *args, sheets: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if sheets:
            self.fields["sheet"].choices = [(name, name) for name in sheets]
            del self.fields["encoding"], self.fields["delimiter"]
        else:
            del self.fields["sheet"]


class MappingForm(forms.Form):
    target = forms.ChoiceField(label="Outcome column")
    positive = forms.MultipleChoiceField(
        label="Values that mean the lead converted",
        widget=forms.CheckboxSelectMultiple,
    )
    still_open = forms.MultipleChoiceField(
        label="Values that mean the lead is still open",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    excluded = forms.MultipleChoiceField(
        label="Columns to leave out",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    merges = forms.MultipleChoiceField(
        label="Values to merge",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args,
        columns: list[str],
        values: list[str],
        merges: dict[str, list[list[str]]] | None = None,
        questions: list[str] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(c, c) for c in columns]
        self.fields["positive"].choices = [(v, v) for v in values]
        self.fields["still_open"].choices = [(v, v) for v in values]
        # The outcome itself is never a feature, so it is not offered here.
        target = self.data.get("target") or self.initial.get("target")
        self.fields["excluded"].choices = [(c, c) for c in columns if c != target]
        self.merge_groups = [
            (column, group)
            for column, groups in (merges or {}).items()
            for group in groups
        ]
        self.fields["merges"].choices = [
            (str(i), f"{column}: {' / '.join(group)} → {group[0]}")
            for i, (column, group) in enumerate(self.merge_groups)
        ]
        self.questions = list(questions)
        for i, column in enumerate(self.questions):
            self.fields[f"known_{i}"] = forms.ChoiceField(
                label=f"Was “{column}” known before you first contacted the lead?",
                choices=KNOWN_CHOICES,
                initial="yes",
                required=False,
                widget=forms.RadioSelect,
            )

    def accepted_merges(self) -> dict[str, list[list[str]]]:
        """Return the merge groups the user ticked, by column."""
        accepted: dict[str, list[list[str]]] = {}
        for i in self.cleaned_data["merges"]:
            column, group = self.merge_groups[int(i)]
            accepted.setdefault(column, []).append(group)
        return accepted

    def known_later(self) -> list[str]:
        """Return the columns the user said were filled in after first contact."""
        return [
            column
            for i, column in enumerate(self.questions)
            if self.cleaned_data.get(f"known_{i}") == "no"
        ]

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"known_{i}"] for i in range(len(self.questions))]


class JoinForm(forms.Form):
    key = forms.ChoiceField(label="Key column in your lead history")
    other_key = forms.ChoiceField(label="Key column in the other file")

    def __init__(self, *args, columns: list[str], other_columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(c, c) for c in columns]
        self.fields["other_key"].choices = [(c, c) for c in other_columns]
