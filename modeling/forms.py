from django import forms

from modeling.models import Algorithm


class TrainingForm(forms.Form):
    algorithm = forms.ChoiceField(
        choices=Algorithm.choices,
        initial=Algorithm.LOGISTIC,
        widget=forms.RadioSelect,
        label="Kind of model",
    )
