from django import forms

from modeling.models import ROW_ORDER, Algorithm


class TrainingForm(forms.Form):
    algorithm = forms.ChoiceField(
        choices=Algorithm.choices,
        initial=Algorithm.AUTO,
        widget=forms.RadioSelect,
        label="Kind of model",
    )
    time_order = forms.ChoiceField(
        required=False,
        label="How to test the model",
        help_text="Testing on the newest leads shows how the model will do on "
        "leads that arrive after its history.",
    )

    def __init__(self, *args, date_columns: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_order"].choices = [
            ("", "On a random sample of leads"),
            (ROW_ORDER, "On the newest leads: the rows are in time order"),
            *((c, f"On the newest leads, by the date in “{c}”") for c in date_columns),
        ]
