"""Each web process keeps the active model in memory, yet follows a change."""

from modeling.models import ModelVersion, TrainingRun
from tests.routing.conftest import store_trained

SCORE = "/api/v1/score"
LEAD = {"Source": "Referral", "Minutes on site": 40, "Employees": "11-50"}


def test_the_next_lead_is_scored_by_a_newly_activated_model(
    api, version, trained_fields
):
    api("post", SCORE, LEAD)  # the first model is now in memory
    run = TrainingRun.objects.create(dataset=version.dataset, algorithm="logistic")
    newer = store_trained(trained_fields, run, is_active=False)

    newer.activate()
    after_promotion = api("post", SCORE, LEAD).json()
    version.activate()
    after_rollback = api("post", SCORE, LEAD).json()

    assert after_promotion["model_version"] == newer.pk
    assert after_rollback["model_version"] == version.pk


def test_leads_are_refused_once_no_model_is_active(api, version):
    api("post", SCORE, LEAD)
    ModelVersion.objects.update(is_active=False)

    response = api("post", SCORE, LEAD)

    assert response.status_code == 503
    assert response.json()["code"] == "no_active_model"
