from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from modeling.models import ModelVersion
from routing import api_schema as docs
from routing.api import (
    active_version,
    find_lead,
    find_lead_by_id,
    lead_record,
    model_description,
    scored_lead,
)
from routing.api_errors import ApiError
from routing.intake import (
    IncomingLead,
    check_lead,
    check_leads,
    lead_in_body,
    leads_in_body,
)
from routing.leads import add_to_lead, record_outcome, score_incoming
from routing.models import Lead
from routing.outcomes import future_date_error, outcome_moment

NO_LEAD = {404: "No lead has this external ID."}
NO_LEAD_ID = {404: "No lead has this id."}
BY_ID = (
    "Every lead has a lead_id, also one sent without external_id. The path "
    "is the `url` of the score response."
)
# What each kind of body holds, for the error an empty body gets.
LEADS_BODY = 'one lead as a JSON object, or several as {"leads": [...]}'
FIELDS_BODY = "the lead's fields as a JSON object"
OUTCOME_BODY = 'a JSON object such as {"outcome": "won"}'


@extend_schema(
    operation_id="score_leads",
    request={"application/json": docs.SCORE_REQUEST},
    responses={200: docs.SCORE_RESPONSE, **docs.errors(400, 415, 503)},
    parameters=[docs.RETRY_AFTER],
    examples=docs.EXAMPLES,
    summary='Score one lead, or up to 1,000 as {"leads": [...]}',
    description="Each lead is stored, scored, given a tier, and routed to the "
    "tier's actions (call queue, webhook, e-mail). A known external_id "
    "merges the fields sent into that lead's stored ones and rescores it.",
)
@api_view(["POST"])
def score(request: Request) -> Response:
    version = active_version()
    leads, is_batch = leads_in_body(sent_body(request, LEADS_BODY))
    kinds = version.column_kinds
    # Only a batch's errors name the lead at fault by its position.
    incoming = check_leads(leads, kinds) if is_batch else [check_lead(leads[0], kinds)]
    scores = score_incoming(incoming, version, source=request.auth.name)
    results = [scored_lead(s, item) for s, item in zip(scores, incoming)]
    if not is_batch:
        return Response(results[0])
    return Response(
        {"model_version": version.pk, "count": len(results), "leads": results}
    )


@extend_schema(
    operation_id="active_model",
    responses={200: docs.ActiveModelSerializer, **docs.errors(503)},
    parameters=[docs.RETRY_AFTER],
    summary="The fields the active model reads, their types, and the tiers",
)
@api_view(["GET"])
def active_model(request: Request) -> Response:
    return Response(model_description(active_version()))


@extend_schema(
    operation_id="lead",
    methods=["GET"],
    responses={200: docs.LeadSerializer, **docs.errors(404, about=NO_LEAD)},
    parameters=[docs.RETRY_AFTER],
    summary="A lead with its score history",
)
@extend_schema(
    operation_id="add_answers",
    methods=["PATCH"],
    request={"application/json": docs.LEAD_INPUT},
    responses={
        200: docs.ScoredLeadSerializer,
        **docs.errors(400, 404, 415, 503, about=NO_LEAD),
    },
    parameters=[docs.RETRY_AFTER],
    summary="Add fields (qualification answers) to a lead and rescore it",
)
@api_view(["GET", "PATCH"])
def lead(request: Request, external_id: str) -> Response:
    found = find_lead(external_id)
    if request.method == "GET":
        return Response(lead_record(found))

    version = active_version()
    item = sent_lead(request, version)
    item.external_id = found.external_id
    [new_score] = score_incoming([item], version, source=request.auth.name)
    return Response(scored_lead(new_score, item))


@extend_schema(
    operation_id="lead_by_id",
    methods=["GET"],
    responses={200: docs.LeadSerializer, **docs.errors(404, about=NO_LEAD_ID)},
    parameters=[docs.RETRY_AFTER],
    summary="A lead with its score history, by the lead_id scoring returned",
    description=BY_ID,
)
@extend_schema(
    operation_id="add_answers_by_id",
    methods=["PATCH"],
    request={"application/json": docs.LEAD_INPUT},
    responses={
        200: docs.ScoredLeadSerializer,
        **docs.errors(400, 404, 415, 503, about=NO_LEAD_ID),
    },
    parameters=[docs.RETRY_AFTER],
    summary="Add fields to a lead by the lead_id scoring returned, and rescore it",
    description=BY_ID + " A field sent as null clears it; external_id is not "
    "changed here.",
)
@api_view(["GET", "PATCH"])
def lead_by_id(request: Request, lead_id: int) -> Response:
    found = find_lead_by_id(lead_id)
    if request.method == "GET":
        return Response(lead_record(found))

    version = active_version()
    item = sent_lead(request, version)
    return Response(scored_lead(add_to_lead(found, item, version), item))


@extend_schema(
    operation_id="record_outcome",
    request=docs.OutcomeSerializer,
    responses={200: docs.LeadSerializer, **docs.errors(400, 404, 415, about=NO_LEAD)},
    parameters=[docs.RETRY_AFTER],
    summary="Record a lead as won or lost; outcomes feed the next retraining",
)
@api_view(["POST"])
def outcome(request: Request, external_id: str) -> Response:
    found = find_lead(external_id)
    return Response(record_outcome_sent(found, sent_body(request, OUTCOME_BODY)))


@extend_schema(
    operation_id="record_outcome_by_id",
    request=docs.OutcomeSerializer,
    responses={
        200: docs.LeadSerializer,
        **docs.errors(400, 404, 415, about=NO_LEAD_ID),
    },
    parameters=[docs.RETRY_AFTER],
    summary="Record a lead as won or lost, by the lead_id scoring returned",
    description=BY_ID,
)
@api_view(["POST"])
def outcome_by_id(request: Request, lead_id: int) -> Response:
    found = find_lead_by_id(lead_id)
    return Response(record_outcome_sent(found, sent_body(request, OUTCOME_BODY)))


def sent_body(request: Request, holds: str) -> object:
    """Return the request's JSON body; raise saying what it `holds` if empty.

    DRF reads an empty body as {}, which would be blamed on the lead.
    """
    if request.stream is None:
        raise ApiError(f"The body is empty. Send {holds}.", code="invalid_body")
    return request.data


def sent_lead(request: Request, version: ModelVersion) -> IncomingLead:
    """Return the one lead an update's body holds, checked against the model."""
    body = lead_in_body(sent_body(request, FIELDS_BODY))
    return check_lead(body, version.column_kinds)


def record_outcome_sent(found: Lead, data: object) -> dict:
    """Record the outcome in a request body on the lead; return the lead."""
    if not isinstance(data, dict):
        raise ApiError(f"Send the outcome as {OUTCOME_BODY}.", code="invalid_body")
    form = docs.OutcomeSerializer(data=data)
    if not form.is_valid():
        raise outcome_error(form.errors)
    day = form.validated_data.get("date")
    if message := future_date_error(day):
        raise ApiError(message, code="invalid_date", field="date")
    record_outcome(found, form.validated_data["outcome"], outcome_moment(day))
    return lead_record(found)


def outcome_error(errors: dict) -> ApiError:
    """Return the error naming the first field of an outcome that was wrong."""
    if "outcome" in errors:
        return ApiError(
            '"outcome" must be "won", "lost" or blank.',
            code="invalid_outcome",
            field="outcome",
        )
    return ApiError(
        '"date" must be a day written as YYYY-MM-DD, e.g. 2026-11-30.',
        code="invalid_date",
        field="date",
    )


@csrf_exempt  # a script's POST to a wrong path gets the 404, not a CSRF page
def unknown_path(request: HttpRequest, unknown: str) -> JsonResponse:
    """Answer any path under /api/v1/ that no endpoint takes."""
    body = {
        "error": f"No API endpoint is at {request.path}. The endpoints are "
        f"listed at {reverse('api-docs')}.",
        "code": "not_found",
    }
    return JsonResponse(body, status=404)
