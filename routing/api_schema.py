"""Shapes of the scoring API's bodies, for its OpenAPI schema."""

from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer
from rest_framework import serializers

from routing.intake import MAX_BATCH

LEAD_INPUT = {
    "type": "object",
    "description": (
        "A lead's fields by name, as in your lead history (GET /api/v1/model "
        "lists the fields the active model uses and their types). Fields the "
        "model does not use are stored and listed in `ignored_fields`; missing "
        "ones count as blank. `external_id` is your system's ID: sending it "
        "again updates and rescores that lead. `owner` is a Leadscore user's "
        "username or e-mail."
    ),
    "properties": {
        "external_id": {"type": "string", "maxLength": 255},
        "owner": {"type": "string"},
    },
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
        ]
    },
}

SCORE_REQUEST = {
    "oneOf": [
        LEAD_INPUT,
        {
            "type": "object",
            "required": ["leads"],
            "properties": {
                "leads": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_BATCH,
                    "items": LEAD_INPUT,
                }
            },
        },
    ]
}


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A sentence saying what to fix.")
    code = serializers.CharField(
        help_text="wrong_type, invalid_body, invalid_lead, too_many_leads, "
        "no_active_model, not_found, not_authenticated, authentication_failed, "
        "parse_error, unsupported_media_type, invalid_outcome, invalid_date."
    )
    field = serializers.CharField(required=False, help_text="The field at fault.")
    index = serializers.IntegerField(
        required=False, help_text="The position of the lead at fault in a batch."
    )


class TierSerializer(serializers.Serializer):
    name = serializers.CharField()
    colour = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    column = serializers.CharField()
    value = serializers.CharField()
    effect = serializers.FloatField(help_text="Change in probability it causes.")
    text = serializers.CharField()


class ScoredLeadSerializer(serializers.Serializer):
    lead_id = serializers.IntegerField()
    external_id = serializers.CharField()
    probability = serializers.FloatField(help_text="Chance to convert, 0 to 1.")
    tier = TierSerializer()
    reasons = ReasonSerializer(many=True)
    model_version = serializers.IntegerField()
    scored_at = serializers.DateTimeField()
    ignored_fields = serializers.ListField(child=serializers.CharField())
    missing_fields = serializers.ListField(child=serializers.CharField())


class BatchResultSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    count = serializers.IntegerField()
    leads = ScoredLeadSerializer(many=True)


SCORE_RESPONSE = PolymorphicProxySerializer(
    component_name="ScoreResult",
    serializers=[ScoredLeadSerializer, BatchResultSerializer],
    resource_type_field_name=None,
)


class FieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(["number", "text", "yes_no", "date"])


class TierThresholdSerializer(TierSerializer):
    min_probability = serializers.FloatField()


class ActiveModelSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    algorithm = serializers.CharField()
    fields = FieldSerializer(many=True)
    tiers = TierThresholdSerializer(many=True)
    max_batch = serializers.IntegerField()


class ScoreHistorySerializer(serializers.Serializer):
    probability = serializers.FloatField()
    tier = serializers.CharField()
    model_version = serializers.IntegerField(allow_null=True)
    scored_at = serializers.DateTimeField()


class LeadSerializer(serializers.Serializer):
    lead_id = serializers.IntegerField()
    external_id = serializers.CharField()
    fields = serializers.DictField()
    probability = serializers.FloatField()
    tier = TierSerializer()
    reasons = ReasonSerializer(many=True)
    outcome = serializers.ChoiceField(["", "won", "lost"])
    outcome_at = serializers.DateTimeField(allow_null=True)
    history = ScoreHistorySerializer(many=True)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        ["won", "lost", ""], help_text="Blank reopens the lead."
    )
    date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The day it was won or lost, YYYY-MM-DD; today when left out.",
    )


EXAMPLES = [
    OpenApiExample(
        "One lead",
        value={
            "external_id": "crm-123",
            "Lead Source": "Google",
            "Total Time Spent on Website": 420,
            "budget": "10k-50k",
        },
        request_only=True,
    ),
    OpenApiExample(
        "A batch",
        value={
            "leads": [
                {"external_id": "crm-1", "Lead Source": "Referral"},
                {"external_id": "crm-2", "Lead Source": "Google"},
            ]
        },
        request_only=True,
    ),
]
