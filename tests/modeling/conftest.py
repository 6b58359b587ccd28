"""A champion model trained once per session, for the retraining tests."""

import pytest
from django.db import transaction
from django.test import override_settings

from datasets.intake import inspect_upload
from datasets.models import Dataset
from datasets.storing import dataset_from_path
from modeling import schedule
from modeling.models import ModelVersion, TrainingRun
from modeling.runs import train_version
from tests.builders import make_leads

N_HISTORY = 400


class _Undo(Exception):
    """Rolls the session's rows back, keeping the stored files."""


def _fields(row, skip: tuple[str, ...]) -> dict:
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in skip
    }


@pytest.fixture(scope="session")
def trained_history(django_db_setup, django_db_blocker, tmp_path_factory):
    """Train on a 400-lead history once; return its media folder and the
    dataset's and version's field values."""
    media = tmp_path_factory.mktemp("retraining-media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        try:
            with transaction.atomic():
                path = media / "history.csv"
                make_leads(N_HISTORY).to_csv(path, index=False)
                dataset = dataset_from_path(path)
                inspect_upload(dataset)
                dataset.target_column = "Converted"
                dataset.positive_values, dataset.negative_values = ["Yes"], ["No"]
                dataset.excluded = {"Lead ID": "identifier"}
                dataset.save()
                version = train_version(
                    TrainingRun.objects.create(dataset=dataset, algorithm="logistic")
                )
                raise _Undo(
                    _fields(dataset, ("id",)),
                    _fields(version, ("id", "run", "dataset")),
                )
        except _Undo as undo:
            dataset_fields, version_fields = undo.args
    return media, dataset_fields, version_fields


@pytest.fixture
def champion(trained_history, settings):
    """The active model, trained on the session's history."""
    media, dataset_fields, version_fields = trained_history
    settings.MEDIA_ROOT = media
    dataset = Dataset.objects.create(**dataset_fields)
    run = TrainingRun.objects.create(
        dataset=dataset, algorithm="logistic", status=TrainingRun.Status.SUCCEEDED
    )
    version = ModelVersion.objects.create(run=run, dataset=dataset, **version_fields)
    version.activate()
    return version


@pytest.fixture
def no_schedule(queues):
    """Start and end without the schedule's job in Redis."""
    schedule.disarm()
    yield
    schedule.disarm()
