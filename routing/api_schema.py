"""Shapes of the scoring API's bodies, for its OpenAPI schema."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema_field,
)
from rest_framework import serializers

from routing.intake import MAX_BATCH
from routing.outcomes import read_outcome_value

# The titles name these inline shapes on the docs page (views_api_docs.py).
LEAD_INPUT = {
    "title": "Lead input",
    "type": "object",
    "description": (
        "A lead's fields by name, as in your lead history (GET /api/v1/model "
        "lists the fields the active model uses and their types). Fields the "
        "model does not use are stored and listed in `ignored_fields`; missing "
        "ones count as blank. A number field also takes numeric text as an "
        'uploaded file would hold it, such as "1,532", "$1200" or "12%". '
        "`external_id` is your system's ID: sending a known one again merges "
        "the fields sent into that lead's stored fields (each replaces the "
        "stored value, the others are kept) and rescores it; a field sent as "
        "null clears it. `owner` is a Leadscore user's username or e-mail; "
        "one that matches no active user is listed in `ignored_fields` and "
        "`warnings` and leaves the owner as it was."
    ),
    "properties": {
        "external_id": {
            "type": "string",
            "maxLength": 255,
            "description": "One line of text, trimmed; a number sent here is "
            "taken as its text.",
        },
        "owner": {"type": "string"},
    },
    # Fields the model uses take text, numbers, yes/no or null (GET
    # /api/v1/model); others are stored as sent, so a chatbot's list of
    # needs is kept whole.
    "additionalProperties": {
        "description": "A field the model uses: text, a number, yes/no or "
        "null. Any other field: any JSON value, stored as sent."
    },
}

SCORE_REQUEST = {
    "oneOf": [
        LEAD_INPUT,
        {
            "title": "Lead batch",
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


# Every `code` an error body can carry. Scripts branch on these, so one
# raised anywhere in routing/ must be listed here (tests/routing/test_api.py).
ERROR_CODES = {
    "invalid_body": '400: the body is neither a lead nor {"leads": [...]}',
    "invalid_lead": "400: a lead is not an object, or has no fields",
    "wrong_type": "400: a field's value has the wrong type (see `field`)",
    "too_many_leads": f"400: a batch holds more than {MAX_BATCH:,} leads",
    "parse_error": "400: the body is not valid JSON",
    "invalid_outcome": '400: "outcome" is not won, lost or blank',
    "invalid_date": '400: "date" is not YYYY-MM-DD, or is in the future',
    "invalid_status": '400: "status" is not a delivery status',
    "invalid_reason": '400: "reason" is missing or too long',
    "not_authenticated": "401: no token was sent",
    "authentication_failed": "401: the token is unknown, revoked or garbled",
    "permission_denied": "403: the token's scope does not include the endpoint",
    "not_found": "404: no such lead, delivery, model version or API path",
    "method_not_allowed": "405: the endpoint does not take this HTTP method",
    "not_acceptable": "406: the Accept header does not allow JSON",
    "not_finished": "409: the delivery's retries are still running",
    "too_large": "413: the body is larger than the API takes",
    "unsupported_media_type": "415: the body is not sent as application/json",
    "throttled": "429: too many requests; wait the seconds in Retry-After",
    "no_active_model": "503: no model is trained yet",
}


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A sentence saying what to fix.")
    code = serializers.ChoiceField(
        choices=list(ERROR_CODES.items()),
        help_text="What went wrong, for scripts; stable across releases.",
    )
    field = serializers.CharField(required=False, help_text="The field at fault.")
    index = serializers.IntegerField(
        required=False, help_text="The position of the lead at fault in a batch."
    )


ERROR_ANSWERS = {
    400: "The body or a parameter is wrong; `code` and `field` say which.",
    401: "No token, or an unknown or revoked one.",
    403: "The token's scope does not include this endpoint: scoring tokens "
    "reach the scoring endpoints, admin tokens the admin ones.",
    404: "No such record.",
    405: "The endpoint does not take this HTTP method; the Allow header lists "
    "those it takes.",
    406: "The Accept header rules out JSON, the only format the API answers "
    "in; send Accept: application/json or no Accept header.",
    409: "The record is not in a state that allows this yet.",
    413: "The body is larger than the API takes (10 MB); a batch of 1,000 "
    "leads is far below it.",
    415: "The body is not sent as application/json.",
    429: "Too many requests: past the token's rate limit, or too many unknown "
    "tokens from this address. Retry after the seconds in Retry-After.",
    503: "No model is trained yet.",
}
# Every endpoint needs a token of the right scope and counts to its limit.
TOKEN_ERRORS = (401, 403, 429)
# Every endpoint also refuses other HTTP methods and an Accept header without
# JSON; DRF answers both before the endpoint's own code runs.
PROTOCOL_ERRORS = (405, 406)

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the next request.",
)


def errors(
    *statuses: int, about: dict[int, str] | None = None
) -> dict[int, OpenApiResponse]:
    """Return the error answers for these statuses and every endpoint's own.

    `about` words a status for one endpoint, e.g. {404: "No lead has this ID."}.
    """
    about = about or {}
    # An endpoint that reads a body (and so may answer 415) refuses one that
    # is too large.
    body = (413,) if 415 in statuses else ()
    return {
        status: OpenApiResponse(
            ErrorSerializer, about.get(status, ERROR_ANSWERS[status])
        )
        for status in sorted({*statuses, *TOKEN_ERRORS, *PROTOCOL_ERRORS, *body})
    }


class TierSerializer(serializers.Serializer):
    name = serializers.CharField()
    colour = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    column = serializers.CharField()
    value = serializers.CharField()
    effect = serializers.FloatField(help_text="Change in probability it causes.")
    text = serializers.CharField()


LEAD_URL_HELP = (
    "The lead's path in this API, built from lead_id: GET it for the lead and "
    "its history, also when it has no external_id."
)


class ScoredLeadSerializer(serializers.Serializer):
    lead_id = serializers.IntegerField()
    url = serializers.CharField(help_text=LEAD_URL_HELP)
    external_id = serializers.CharField()
    probability = serializers.FloatField(help_text="Chance to convert, 0 to 1.")
    tier = TierSerializer()
    reasons = ReasonSerializer(many=True)
    model_version = serializers.IntegerField()
    scored_at = serializers.DateTimeField()
    ignored_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="Fields sent that the model does not use; they are stored.",
    )
    missing_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="The model's fields that are blank in the lead as scored: "
        "its stored fields merged with those sent.",
    )
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="Sentences about values sent that were not used as meant, "
        "such as an owner who is no Leadscore user, or a number far outside "
        "the history the model learned from (its score is a guess).",
    )


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


OUTCOMES = ["won", "lost", ""]


# Written out: drf-spectacular would add a description of the choices in
# which the blank one shows as "* `` - ". The field's help_text says it all.
@extend_schema_field({"type": "string", "enum": OUTCOMES})
class OutcomeChoiceField(serializers.ChoiceField):
    """An outcome written any way the CSV upload of outcomes takes it: in
    any case, with spaces around, and as yes/no, converted/not converted,
    true/false or 1/0 ("WON", " Converted ", true)."""

    def to_internal_value(self, data: object) -> str:
        if isinstance(data, (str, bool, int)):
            text = str(data).strip().lower()
            data = read_outcome_value(text) or text
        return super().to_internal_value(data)


class LeadSerializer(serializers.Serializer):
    lead_id = serializers.IntegerField()
    url = serializers.CharField(help_text=LEAD_URL_HELP)
    external_id = serializers.CharField()
    fields = serializers.DictField()
    probability = serializers.FloatField()
    tier = TierSerializer()
    reasons = ReasonSerializer(many=True)
    outcome = OutcomeChoiceField(
        OUTCOMES, help_text="Won or lost once recorded; blank while open."
    )
    outcome_at = serializers.DateTimeField(allow_null=True)
    history = ScoreHistorySerializer(many=True)


class OutcomeSerializer(serializers.Serializer):
    outcome = OutcomeChoiceField(
        OUTCOMES,
        help_text="Blank reopens the lead. Any case, spaces around allowed; "
        "yes/no, converted/not converted, true/false and 1/0 are also read as "
        "won/lost, as in a CSV upload of outcomes.",
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
