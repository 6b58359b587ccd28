from datasets.forms import UploadForm


class NewLeadsForm(UploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Spreadsheet of new leads"
        self.fields["file"].help_text = (
            "Same columns as your lead history; the outcome column may be "
            "missing or blank."
        )
