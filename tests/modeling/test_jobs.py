"""Training jobs on the real Redis with a real RQ worker."""

import pytest

from datasets.intake import inspect_upload
from datasets.storing import dataset_from_path
from modeling import jobs
from modeling.models import ModelVersion, TrainingRun
from tests.builders import make_leads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mapped_dataset(tmp_path):
    path = tmp_path / "history.csv"
    make_leads(400).to_csv(path, index=False)
    dataset = dataset_from_path(path)
    inspect_upload(dataset)
    dataset.target_column = "Converted"
    dataset.positive_values, dataset.negative_values = ["Yes"], ["No"]
    dataset.excluded = {"Lead ID": "identifier"}
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
