from django import forms

from modeling.models import ROW_ORDER, Algorithm, RetrainPolicy


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

    put_in_use = forms.BooleanField(
        required=False,
        label="Put this model in use as soon as it is trained",
        help_text="Otherwise the model in use keeps scoring, and the new one "
        "waits on the retraining page until you compare and choose.",
    )

    def __init__(
        self,
        *args,
        date_columns: list[str] = (),
        may_replace: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if not may_replace:
            # Only someone who may choose the model in use is offered this.
            del self.fields["put_in_use"]
        self.fields["time_order"].choices = [
            ("", "On a random sample of leads"),
            (ROW_ORDER, "On the newest leads: the rows are in time order"),
            *((c, f"On the newest leads, by the date in “{c}”") for c in date_columns),
        ]


# --- retraining (issue 6) ---


class RetrainPolicyForm(forms.ModelForm):
    class Meta:
        model = RetrainPolicy
        fields = [
            "schedule",
            "min_new_outcomes",
            "auto_promote",
            "promote_margin",
            "drift_threshold",
            "drift_emails",
        ]
        labels = {
            "schedule": "Retrain",
            "min_new_outcomes": "New outcomes that start a retraining",
            "auto_promote": "Put the new model in use by itself when it is better",
            "promote_margin": "Better by at least (ROC AUC)",
            "drift_threshold": "Warn when inputs move by (stability index)",
            "drift_emails": "E-mail the warning to",
        }
        widgets = {"drift_emails": forms.Textarea(attrs={"rows": 2})}

    def clean_promote_margin(self) -> float:
        margin = self.cleaned_data["promote_margin"]
        if not 0 <= margin <= 0.5:
            raise forms.ValidationError("Pick a margin between 0 and 0.5.")
        return margin


class PromoteForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why",
        help_text="Kept in the audit log with your name.",
    )
