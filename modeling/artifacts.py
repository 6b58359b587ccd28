"""Save fitted pipelines to Django's storage and load them back safely."""

import hashlib
import io
import logging
import uuid

import joblib
import pandas
import sklearn
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from sklearn.pipeline import Pipeline

from modeling.errors import TrainingError

logger = logging.getLogger(__name__)


def library_versions() -> dict[str, str]:
    """Return the versions a saved model depends on."""
    return {"scikit-learn": sklearn.__version__, "pandas": pandas.__version__}


def save_pipeline(pipeline: Pipeline) -> tuple[str, str]:
    """Store the pipeline; return its storage name and SHA-256 checksum."""
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    payload = buffer.getvalue()
    name = default_storage.save(
        f"models/{uuid.uuid4().hex}.joblib", ContentFile(payload)
    )
    return name, hashlib.sha256(payload).hexdigest()


def load_pipeline(name: str, checksum: str, versions: dict[str, str]) -> Pipeline:
    """Return the stored pipeline after checking its checksum and library.

    Unpickling runs code, so only a file whose bytes match what the database
    recorded is loaded; a model from another scikit-learn is refused rather
    than allowed to predict wrongly.
    """
    saved_with = versions.get("scikit-learn")
    if saved_with != sklearn.__version__:
        raise TrainingError(
            f"This model was saved by scikit-learn {saved_with} and this server "
            f"runs {sklearn.__version__}. Retrain it to use it here."
        )
    with default_storage.open(name, "rb") as handle:
        payload = handle.read()
    if hashlib.sha256(payload).hexdigest() != checksum:
        logger.error("Model artifact %s: checksum mismatch, refusing to load", name)
        raise TrainingError(
            "The stored model file does not match its record, so it was not "
            "loaded. Retrain the model."
        )
    return joblib.load(io.BytesIO(payload))
