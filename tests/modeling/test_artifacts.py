import pytest
from django.core.files.storage import default_storage
from sklearn.linear_model import LogisticRegression

from modeling.artifacts import library_versions, load_pipeline, save_pipeline
from modeling.errors import TrainingError


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    model = LogisticRegression().fit([[0], [1], [2], [3]], [0, 0, 1, 1])
    return save_pipeline(model)


def test_a_stored_model_loads_back_when_its_checksum_matches(stored):
    name, checksum = stored
    model = load_pipeline(name, checksum, library_versions())
    assert model.predict([[3]])[0] == 1


def test_a_model_from_another_scikit_learn_is_refused(stored):
    name, checksum = stored
    with pytest.raises(TrainingError, match="saved by scikit-learn 1.0.2"):
        load_pipeline(name, checksum, {"scikit-learn": "1.0.2"})


def test_a_tampered_model_file_is_not_loaded(stored):
    name, checksum = stored
    with default_storage.open(name, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(TrainingError, match="does not match"):
        load_pipeline(name, checksum, library_versions())
