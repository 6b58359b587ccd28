"""Training jobs on the real Redis with a real RQ worker."""

import pytest
from django.urls import reverse

from datasets.intake import inspect_upload
from datasets.sample import SAMPLE_NAME
from datasets.storing import dataset_from_path
from leadscore_site.roles import ADMIN, MARKETER
from modeling import jobs
from modeling.models import AuditEntry, ModelVersion, TrainingRun
from routing.models import Lead
from tests.builders import make_leads
from tests.roles import role_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mapped_dataset(tmp_path):
    return map_history(tmp_path / "history.csv")


def map_history(path):
    """Store make_leads() as an upload mapped for training; return it."""
    path.parent.mkdir(exist_ok=True)
    make_leads(400).to_csv(path, index=False)
    dataset = dataset_from_path(path)
    inspect_upload(dataset)
    dataset.target_column = "Converted"
    dataset.positive_values, dataset.negative_values = ["Yes"], ["No"]
    dataset.excluded = {"Lead ID": "identifier"}
    dataset.outcome_counts = {"converted": 120, "not_converted": 280}
    dataset.save()
    return dataset


def test_a_trained_version_records_where_it_came_from(mapped_dataset, run_jobs):
    run = jobs.enqueue_training(mapped_dataset, algorithm="logistic")
    run_jobs("training")

    version = ModelVersion.objects.get(run=run)
    assert version.is_active and len(version.checksum) == 64
    assert len(version.fingerprint) == 64
    assert version.library_versions["scikit-learn"]
    assert version.target == {
        "column": "Converted",
        "positive": ["Yes"],
        "negative": ["No"],
    }
    assert version.validation["kind"] == "stratified"
    # Drift is measured against the rows it learned from, kept at training.
    assert set(version.reference["columns"]) == set(version.feature_columns)


def test_a_second_model_waits_beside_the_one_in_use_unless_asked(
    mapped_dataset, run_jobs
):
    first = jobs.enqueue_training(mapped_dataset, algorithm="logistic")
    run_jobs("training")
    waiting = jobs.enqueue_training(mapped_dataset, algorithm="forest")
    run_jobs("training")

    assert ModelVersion.active() == ModelVersion.objects.get(run=first)
    assert not ModelVersion.objects.get(run=waiting).is_active

    chosen = jobs.enqueue_training(
        mapped_dataset, algorithm="logistic", put_in_use=True
    )
    run_jobs("training")

    assert ModelVersion.active() == ModelVersion.objects.get(run=chosen)
    assert AuditEntry.objects.filter(action="promoted").count() == 1


def test_the_first_model_on_real_leads_replaces_the_sample_and_its_leads(
    mapped_dataset, run_jobs, tmp_path
):
    sample = map_history(tmp_path / "sample" / SAMPLE_NAME)
    jobs.enqueue_training(sample, algorithm="logistic")
    run_jobs("training")
    sample_model = ModelVersion.active()
    Lead.objects.create(probability=0.9, model_version=sample_model)

    real = jobs.enqueue_training(mapped_dataset, algorithm="logistic")
    run_jobs("training")

    assert ModelVersion.active() == ModelVersion.objects.get(run=real)
    assert not Lead.objects.filter(model_version=sample_model).exists()


def test_a_cancelled_run_leaves_the_active_model_in_place(mapped_dataset, run_jobs):
    jobs.enqueue_training(mapped_dataset, algorithm="logistic")
    run_jobs("training")
    active = ModelVersion.active()

    run = jobs.enqueue_training(mapped_dataset, algorithm="forest")
    jobs.cancel_training(run)
    run_jobs("training")

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.CANCELLED
    assert ModelVersion.active() == active
    assert not ModelVersion.objects.filter(run=run).exists()


def test_a_running_job_stops_at_its_next_stage_when_cancelled(
    mapped_dataset, run_jobs, monkeypatch
):
    run = jobs.enqueue_training(mapped_dataset, algorithm="logistic")
    # Cancel from "another process" the moment the job reports its first stage.
    original = TrainingRun.report_progress

    def cancel_then_report(self, percent, stage):
        TrainingRun.objects.filter(pk=self.pk).update(cancel_requested=True)
        return original(self, percent, stage)

    monkeypatch.setattr(TrainingRun, "report_progress", cancel_then_report)
    run_jobs("training")

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.CANCELLED
    assert ModelVersion.active() is None


def test_only_an_admin_is_offered_to_replace_the_model_in_use(
    mapped_dataset, run_jobs, client, django_user_model
):
    jobs.enqueue_training(mapped_dataset, algorithm="logistic")
    run_jobs("training")
    url = reverse("modeling:train", args=[mapped_dataset.pk])

    client.force_login(role_user(django_user_model, MARKETER))
    marketer_page = client.get(url).content.decode()
    client.force_login(role_user(django_user_model, ADMIN))
    admin_page = client.get(url).content.decode()

    assert 'name="put_in_use"' not in marketer_page
    assert "waits beside it until an admin" in marketer_page
    assert 'name="put_in_use"' in admin_page
