"""The whole job through the real views, real Redis and real RQ workers, on
the published X Education lead history."""

import csv
import re

import pandas as pd
import pytest
from django.urls import reverse
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from datasets.models import Dataset
from modeling.models import ModelVersion, TrainingRun
from routing.models import Lead

POST_CONTACT = [
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
    "Last Activity",
    "Last Notable Activity",
]
OPEN_EVERY = 20  # every 20th lead is made "still in the pipeline"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def with_open_leads(path, tmp_path):
    """Copy the file, blanking the outcome of every 20th lead, CRLF kept."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    target = rows[0].index("Converted")
    for number, row in enumerate(rows[1:], start=1):
        if number % OPEN_EVERY == 0:
            row[target] = ""
    copy = tmp_path / "x_education_with_open_leads.csv"
    with open(copy, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return copy


def upload(client, path) -> Dataset:
    with open(path, "rb") as handle:
        response = client.post(reverse("datasets:upload"), {"file": handle})
    assert response.status_code == 302
    return Dataset.objects.latest("pk")


def plain_sklearn_auc(path, features: list[str]) -> float:
    """AUC of a bare scikit-learn model on the same columns, for comparison."""
    frame = pd.read_csv(path, na_values=["Select"])
    frame = frame[frame["Converted"].notna()]
    X, y = frame[features], frame["Converted"].astype(int)
    numbers = [c for c in features if pd.api.types.is_numeric_dtype(X[c])]
    others = [c for c in features if c not in numbers]
    model = make_pipeline(
        make_column_transformer(
            (
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numbers,
            ),
            (
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="blank"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                others,
            ),
        ),
        LogisticRegression(max_iter=2000),
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    model.fit(X_train, y_train)
    return roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])


def test_marketer_goes_from_spreadsheet_to_ranked_leads(
    marketer_client, run_jobs, x_education_csv, tmp_path
):
    client = marketer_client
    source = with_open_leads(x_education_csv, tmp_path)
    dataset = upload(client, source)

    preview = client.get(reverse("datasets:preview", args=[dataset.pk]))
    kinds = {c["name"]: c["kind"] for c in dataset.profile}
    assert dataset.row_count == 9240 and dataset.column_count == 37
    assert kinds["Prospect ID"] == "identifier" and kinds["Converted"] == "yes_no"
    assert "Select" in dataset.placeholders
    assert b"Prospect ID" in preview.content and b"identifier" in preview.content

    mapping_url = reverse("datasets:mapping", args=[dataset.pk])
    page = client.get(mapping_url, {"target": "Converted"})
    suggested = page.context["advice"].excluded
    assert set(POST_CONTACT) <= set(suggested)
    assert "Prospect ID" in suggested and "Lead Source" not in suggested
    assert page.context["advice"].counts["open"] == 9240 // OPEN_EVERY

    response = client.post(
        mapping_url,
        {
            "target": "Converted",
            "positive": ["1"],
            "excluded": list(suggested),
        },
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.outcome_counts["open"] == 462

    aucs = {}
    for algorithm in ("logistic", "forest"):
        response = client.post(
            reverse("modeling:train", args=[dataset.pk]), {"algorithm": algorithm}
        )
        run = TrainingRun.objects.latest("pk")
        assert response.url == reverse("modeling:run", args=[run.pk])
        assert client.get(response.url).status_code == 200  # progress page
        run_jobs("training")
        run.refresh_from_db()
        assert run.status == "succeeded", run.error
        version = run.version
        aucs[algorithm] = version.metrics["roc_auc"]
        assert version.n_open == 462 and version.n_trained == 9240 - 462
        assert version.metrics["accuracy"] > version.metrics["baseline_accuracy"]
        assert not set(POST_CONTACT) & set(version.feature_columns)

    baseline = plain_sklearn_auc(source, ModelVersion.active().feature_columns)
    assert 0.80 < aucs["logistic"] < 0.95
    assert aucs["logistic"] == pytest.approx(baseline, abs=0.03)
    assert 0.80 < aucs["forest"] < 0.97

    page = client.get(reverse("modeling:version", args=[version.pk]))
    assert (
        b"Ranking quality" in page.content and b"plotly/plotly.min.js" in page.content
    )
    assert re.search(rb"always guessing .{0,20}not converted", page.content, re.I)

    run_jobs("scoring")
    leads = list(Lead.objects.filter(dataset=dataset).order_by("-probability"))
    assert len(leads) == 462
    assert all(lead.model_version_id == version.pk for lead in leads)
    page = client.get(reverse("routing:leads"), {"dataset": dataset.pk})
    shown = [
        float(p) for p in re.findall(rb'data-probability="([0-9.e-]+)"', page.content)
    ]
    assert shown == sorted(shown, reverse=True) and len(shown) == 50
    for lead in leads:
        expected = (
            "Hot"
            if lead.probability >= 0.7
            else ("Warm" if lead.probability >= 0.3 else "Cold")
        )
        assert lead.tier.name == expected
    assert {"Hot", "Cold"} <= {lead.tier.name for lead in leads}
    assert b'class="tier tier-hot"' in page.content


def test_a_later_file_of_new_leads_is_scored_by_the_active_model(
    marketer_client, run_jobs, x_education_csv, tmp_path
):
    frame = pd.read_csv(x_education_csv).head(300)
    history = tmp_path / "history.csv"
    frame.to_csv(history, index=False)
    new = tmp_path / "new_leads.csv"
    frame.drop(columns=["Converted"]).head(40).to_csv(new, index=False)
    dataset = upload(marketer_client, history)
    marketer_client.post(
        reverse("datasets:mapping", args=[dataset.pk]),
        {
            "target": "Converted",
            "positive": ["1"],
            "excluded": POST_CONTACT,
        },
    )
    marketer_client.post(
        reverse("modeling:train", args=[dataset.pk]), {"algorithm": "logistic"}
    )
    run_jobs("training")

    with open(new, "rb") as handle:
        response = marketer_client.post(reverse("routing:upload"), {"file": handle})
    run_jobs("scoring")

    assert response.status_code == 302
    new_upload = Dataset.objects.get(original_name="new_leads.csv")
    assert new_upload.leads.count() == 40


def test_a_file_that_cannot_be_read_is_kept_and_explained(marketer_client, tmp_path):
    image = tmp_path / "leads.csv"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    dataset = upload(marketer_client, image)

    page = marketer_client.get(reverse("datasets:preview", args=[dataset.pk]))

    assert dataset.status == "failed" and dataset.error
    assert dataset.error.encode() in page.content
    with dataset.file.open("rb") as kept:
        assert kept.read() == image.read_bytes()


def test_a_mapping_with_one_outcome_fails_with_a_reason(
    marketer_client, run_jobs, tmp_path
):
    path = tmp_path / "all_won.csv"
    rows = ["Source,Minutes,Outcome"] + [f"Web,{i},won" for i in range(50)]
    rows += [f"Ad,{i}," for i in range(5)]
    path.write_text("\n".join(rows))
    dataset = upload(marketer_client, path)
    dataset.target_column, dataset.positive_values = "Outcome", ["won"]
    dataset.save()

    marketer_client.post(
        reverse("modeling:train", args=[dataset.pk]), {"algorithm": "logistic"}
    )
    run_jobs("training")

    run = TrainingRun.objects.latest("pk")
    assert run.status == "failed" and "nothing to learn" in run.error
    assert ModelVersion.active() is None
