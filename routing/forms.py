from django import forms
from django.db import models
from django.forms import modelformset_factory

from datasets.forms import UploadForm
from routing import tokens
from routing.actions import UnsafeUrlError, check_webhook_url, split_addresses
from routing.models import Delivery, Lead, RoutingRule, Tier
from routing.outcomes import future_date_error


class NewLeadsForm(UploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Spreadsheet of new leads"
        self.fields["file"].help_text = (
            "Same columns as your lead history; the outcome column may be "
            "missing or blank."
        )


class LeadFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    tier = forms.CharField(required=False)
    source = forms.CharField(required=False)
    owner = forms.CharField(required=False)
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            ("open", "Open"),
            ("won", "Won"),
            ("lost", "Lost"),
        ],
    )
    since = forms.DateField(
        label="Scored from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    dataset = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q", ""),
            "tier": data.get("tier", ""),
            "source": data.get("source", ""),
            "owner": data.get("owner", ""),
            "status": data.get("status", ""),
            "since": data.get("since"),
            "until": data.get("until"),
            "dataset": data.get("dataset"),
        }


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=Lead.Outcome.choices, required=False)
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if message := future_date_error(day):
            raise forms.ValidationError(message)
        return day


class OutcomeUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV of outcomes",
        help_text="Columns: external_id (or lead_id), outcome (won or lost) and, "
        "if you know it, date (the day it was won or lost; today when blank).",
    )


def single_lead_form(kinds: dict[str, str], data=None) -> forms.Form:
    """Return a form with one field per column the model reads."""
    form = forms.Form(data)
    form.fields["external_id"] = forms.CharField(
        label="Your ID for this lead", required=False, max_length=255
    )
    for name, kind in kinds.items():
        if kind == "number":
            field = forms.FloatField(label=name, required=False)
        elif kind == "date":
            field = forms.DateField(
                label=name,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        else:
            field = forms.CharField(label=name, required=False)
        form.fields[f"f_{len(form.fields)}"] = field
    return form


class TierForm(forms.ModelForm):
    class Meta:
        model = Tier
        fields = ["name", "min_probability", "colour", "follow_up"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def clean_min_probability(self) -> float:
        value = self.cleaned_data["min_probability"]
        if not 0 <= value <= 1:
            raise forms.ValidationError("Give a share between 0 and 1, e.g. 0.7.")
        return value


class BaseTierFormSet(forms.BaseModelFormSet):
    """Tiers rank leads by their thresholds, so no two may share one."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return  # each wrong field already says what to change
        kept = [
            form.cleaned_data
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("name")
            and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise forms.ValidationError("Keep at least one tier.")
        thresholds = [data["min_probability"] for data in kept]
        if len(set(thresholds)) < len(thresholds):
            raise forms.ValidationError(
                "Two tiers have the same threshold. Tiers are ranked by their "
                "thresholds, so give each its own."
            )


TierFormSet = modelformset_factory(
    Tier, form=TierForm, formset=BaseTierFormSet, extra=1, can_delete=True
)


class TierPreviewForm(forms.Form):
    leads_per_week = forms.FloatField(
        label="New leads a week",
        min_value=0,
        required=False,
        help_text="Filled in from the leads first scored in the last four weeks.",
    )
    capacity = forms.IntegerField(
        label="My team can call this many leads a week",
        min_value=0,
        required=False,
        help_text="Preview sets the top tier's threshold so it holds no more.",
    )
    # The capacity the top tier's threshold on the page was fitted for: Save
    # keeps that threshold unless the capacity was changed since.
    fitted_capacity = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _https_by_default(field: models.Field, **kwargs) -> forms.Field:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class RuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "tier",
            "kind",
            "url",
            "recipients",
            "to_owner",
            "filter_field",
            "filter_value",
            "is_active",
        ]
        labels = {
            "kind": "Action",
            "url": "Webhook URL",
            "to_owner": "Lead's owner",
            "filter_field": "Only when this field",
            "filter_value": "has this value",
            "is_active": "Active",
        }
        formfield_callback = staticmethod(_https_by_default)

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == RoutingRule.Kind.WEBHOOK:
            try:
                check_webhook_url(data.get("url") or "")
            except UnsafeUrlError as error:
                self.add_error("url", str(error))
        if kind == RoutingRule.Kind.EMAIL and not (
            split_addresses(data.get("recipients") or "") or data.get("to_owner")
        ):
            self.add_error("recipients", "Give at least one address, or tick owner.")
        if bool(data.get("filter_field")) != bool(data.get("filter_value")):
            self.add_error("filter_value", "Give both the field and its value.")
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label="Integration name", max_length=80)
    scope = forms.ChoiceField(
        label="What it may do",
        choices=[
            (tokens.SCORING, "Scoring: score leads, read the model, record outcomes"),
            (
                tokens.ADMIN,
                "Admin: watch and re-send deliveries, list models and choose "
                "the one in use; no scoring",
            ),
        ],
        initial=tokens.SCORING,
        # Scripts that post only a name, as before scopes, get a scoring token.
        required=False,
        help_text="A CRM, web form or chatbot needs a scoring token.",
    )

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or tokens.SCORING


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Delivery.Status.choices]
    )
    kind = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action"), *RoutingRule.Kind.choices],
    )
    lead = forms.CharField(label="Lead (ID or external ID)", required=False)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {key: data.get(key, "") for key in ("status", "kind", "lead")}
