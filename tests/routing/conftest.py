"""A trained model version, API tokens and a webhook receiver for routing tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import override_settings

from datasets import intake
from datasets.models import Dataset
from modeling.models import ModelVersion, TrainingRun
from modeling.runs import train_version
from routing.tokens import create_token
from tests.conftest import make_leads


def build_version(
    history: pd.DataFrame | None = None, *, algorithm: str = "logistic"
) -> ModelVersion:
    """Train on `history` (by default make_leads()) through the same
    functions a training job uses."""
    history = make_leads() if history is None else history
    content = history.to_csv(index=False).encode()
    dataset = Dataset.objects.create(
        file=ContentFile(content, name="history.csv"),
        original_name="history.csv",
        size=len(content),
    )
    intake.inspect_upload(dataset)
    intake.save_mapping(
        dataset,
        intake.load_uncleaned(dataset),
        target="Converted",
        positive=["Yes"],
        excluded={"Lead ID": "identifier"},
    )
    run = TrainingRun.objects.create(dataset=dataset, algorithm=algorithm)
    return train_version(run)


@pytest.fixture(scope="session")
def trained_fields(django_db_setup, django_db_blocker, tmp_path_factory):
    """Train once per session; return the stored version's field values.

    The artifact's bytes ride along (key ARTIFACT_BYTES): `version` writes
    them into whatever media folder the test uses, so no test depends on
    the media settings of the test that happened to train first.
    """
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        try:
            with transaction.atomic():
                version = build_version()
                raise _Undo(
                    {
                        field.attname: getattr(version, field.attname)
                        for field in ModelVersion._meta.concrete_fields
                        if field.name not in ("id", "run", "dataset")
                    }
                )
        except _Undo as undo:
            fields = undo.args[0]
        fields["artifact"] = fields["artifact"].name  # the file's name, not a handle
        with default_storage.open(fields["artifact"], "rb") as artifact:
            fields[ARTIFACT_BYTES] = artifact.read()
    return fields


ARTIFACT_BYTES = "artifact bytes"


class _Undo(Exception):
    """Rolls the session's training rows back, keeping the artifact file."""


def store_trained(
    trained_fields: dict, run: TrainingRun | None = None, **changes
) -> ModelVersion:
    """Store the session's trained model as a version made by `run` (by
    default a run on a new dataset), its artifact in the test's media."""
    fields = {k: v for k, v in trained_fields.items() if k != ARTIFACT_BYTES}
    if not default_storage.exists(fields["artifact"]):
        content = ContentFile(trained_fields[ARTIFACT_BYTES])
        default_storage.save(fields["artifact"], content)
    if run is None:
        dataset = Dataset.objects.create(
            file="uploads/history.csv", original_name="h.csv"
        )
        run = TrainingRun.objects.create(dataset=dataset, algorithm="logistic")
    return ModelVersion.objects.create(
        run=run, dataset=run.dataset, **(fields | changes)
    )


@pytest.fixture
def version(db, trained_fields):
    """An active model version trained on make_leads()."""
    stored = store_trained(trained_fields)
    stored.activate()
    return stored


@pytest.fixture
def api_key(db) -> str:
    return create_token("Test CRM")[1]


@pytest.fixture
def api(client, api_key):
    """Post JSON to the API with a valid token."""

    def call(method: str, path: str, body=None, *, key: str = api_key):
        return getattr(client, method)(
            path,
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    return call


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it receives and
    answers with the next status in `statuses` (then 200)."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.DELIVERY_RETRY_INTERVALS = [0, 0]
    with Receiver() as running:
        yield running
