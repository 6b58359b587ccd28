"""The API for admin tokens: deliveries to watch and re-send, model versions
to list and put in use. Scoring tokens cannot call these (access.py)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from modeling.models import ModelVersion
from modeling.promotion import make_active
from routing.api_errors import ApiError
from routing.api_schema import RETRY_AFTER, errors
from routing.deliveries import resend
from routing.models import Delivery

MAX_LISTED = 200
MAX_REASON = 500
# A delivery still pending or retrying has a retry scheduled: re-sending it
# too would send it twice.
RESENDABLE = (Delivery.Status.FAILED, Delivery.Status.SENT)


class DeliveryRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lead_id = serializers.IntegerField()
    external_id = serializers.CharField()
    action = serializers.CharField(help_text="call_queue, webhook or email")
    tier = serializers.CharField()
    status = serializers.CharField(
        help_text="pending, retrying, sent, failed or skipped"
    )
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class VersionRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    algorithm = serializers.CharField()
    active = serializers.BooleanField()
    roc_auc = serializers.FloatField(allow_null=True)
    n_trained = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ActivateSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=MAX_REASON,
        help_text="Why; kept in the audit log with the token's name.",
    )


def found(queryset, pk: int, what: str):
    """Return the record with this id, or raise the API's 404."""
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise ApiError(f"No {what} has the id {pk}.", code="not_found", status=404)
    return record


def reason_error(problems: list) -> ApiError:
    """Return the error saying what is wrong with an activation's reason."""
    if any(problem.code == "max_length" for problem in problems):
        return ApiError(
            f'"reason" is too long: keep it within {MAX_REASON} characters.',
            code="invalid_reason",
            field="reason",
        )
    return ApiError(
        'Say why in "reason", so the audit log explains the change.',
        code="invalid_reason",
        field="reason",
    )


def delivery_record(delivery: Delivery) -> dict:
    last = delivery.attempts.order_by("-number").first()
    return {
        "id": delivery.pk,
        "lead_id": delivery.lead_id,
        "external_id": delivery.lead.external_id,
        "action": delivery.rule.kind,
        "tier": delivery.score.tier_name,
        "status": delivery.status,
        "attempts": delivery.n_attempts,
        "last_status_code": last.status_code if last else None,
        "created_at": delivery.created_at,
    }


def version_record(version: ModelVersion) -> dict:
    return {
        "id": version.pk,
        "algorithm": version.algorithm,
        "active": version.is_active,
        "roc_auc": version.metrics.get("roc_auc"),
        "n_trained": version.n_trained,
        "created_at": version.created_at,
    }


@extend_schema(
    operation_id="list_deliveries",
    parameters=[
        OpenApiParameter(
            "status",
            str,
            enum=Delivery.Status.values,
            description="Only deliveries in this state (any case).",
        ),
        RETRY_AFTER,
    ],
    responses={200: DeliveryRecordSerializer(many=True), **errors(400)},
    summary=f"The newest deliveries (at most {MAX_LISTED}); admin tokens only",
)
@api_view(["GET"])
def deliveries(request: Request) -> Response:
    wanted = request.query_params.get("status", "").strip().lower()
    if wanted and wanted not in Delivery.Status.values:
        raise ApiError(
            f'"status" must be one of {", ".join(Delivery.Status.values)}.',
            code="invalid_status",
            field="status",
        )
    found = Delivery.objects.select_related("lead", "rule", "score")
    if wanted:
        found = found.filter(status=wanted)
    return Response([delivery_record(d) for d in found[:MAX_LISTED]])


@extend_schema(
    operation_id="resend_delivery",
    request=None,
    responses={
        200: DeliveryRecordSerializer,
        **errors(404, 409, about={404: "No delivery has this id."}),
    },
    parameters=[RETRY_AFTER],
    summary="Send a failed or sent delivery again; admin tokens only",
)
@api_view(["POST"])
def resend_delivery(request: Request, pk: int) -> Response:
    delivery = found(
        Delivery.objects.select_related("lead", "rule", "score"), pk, "delivery"
    )
    if delivery.status not in RESENDABLE:
        raise ApiError(
            f"Delivery {pk} is {delivery.status}: its retries are still running. "
            "Re-send it once it has failed or been sent.",
            code="not_finished",
            status=409,
        )
    resend(delivery)
    delivery.refresh_from_db()
    return Response(delivery_record(delivery))


@extend_schema(
    operation_id="list_models",
    responses={200: VersionRecordSerializer(many=True), **errors()},
    parameters=[RETRY_AFTER],
    summary="Every model version, newest first; admin tokens only",
)
@api_view(["GET"])
def versions(request: Request) -> Response:
    found = ModelVersion.objects.order_by("-pk")
    return Response([version_record(v) for v in found])


@extend_schema(
    operation_id="activate_model",
    request=ActivateSerializer,
    responses={
        200: VersionRecordSerializer,
        **errors(400, 404, 415, about={404: "No model version has this id."}),
    },
    parameters=[RETRY_AFTER],
    summary="Put a model version in use (promote or roll back); admin tokens only",
)
@api_view(["POST"])
def activate(request: Request, pk: int) -> Response:
    version = found(ModelVersion.objects, pk, "model version")
    form = ActivateSerializer(data=request.data)
    if not form.is_valid():
        raise reason_error(form.errors.get("reason", []))
    make_active(
        version,
        reason=form.validated_data["reason"],
        actor_label=f"API token {request.auth.name}",
    )
    version.refresh_from_db()
    return Response(version_record(version))
