"""The sample lead history: messy like a real export, with a pattern to find."""

import pytest
from django.urls import reverse

from datasets.models import Dataset
from datasets.sample import sample_history
from modeling.models import TrainingRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sample_is_messy_like_a_real_export():
    frame = sample_history()

    assert {"google ads", "Google Ads"} <= set(frame["Source"])
    assert (frame["Minutes on site"] == "N/A").any()
    assert (frame["Status"].isin(["Open", ""])).mean() == pytest.approx(0.12, abs=0.03)
    assert (frame.loc[frame["Status"] == "Lost", "Deal size"] == "").all()


def test_a_new_user_trains_on_the_sample_and_finds_its_pattern(
    marketer_client, run_jobs
):
    response = marketer_client.post(reverse("datasets:sample"))
    dataset = Dataset.objects.get()
    assert response.url == reverse("datasets:preview", args=[dataset.pk])

    page = marketer_client.get(
        reverse("datasets:mapping", args=[dataset.pk]), {"target": "Status"}
    )
    advice = page.context["advice"]
    assert advice.positive == ["Won"] and "Deal size" in advice.excluded
    assert "Lead ID" in advice.excluded and advice.counts["open"] > 100

    marketer_client.post(
        reverse("datasets:mapping", args=[dataset.pk]),
        {
            "target": "Status",
            "positive": ["Won"],
            "still_open": advice.open_values,
            "excluded": list(advice.excluded),
        },
    )
    marketer_client.post(
        reverse("modeling:train", args=[dataset.pk]),
        {"algorithm": "forest", "time_order": ""},
    )
    run_jobs("training")

    version = TrainingRun.objects.get().version
    assert version.metrics["roc_auc"] > 0.7
    assert "Deal size" not in version.feature_columns
    traits = [" ".join(s["traits"]) for s in version.segments]
    # The planted pattern, under either spelling of LinkedIn in the export.
    assert any("Visited pricing page is Yes" in t and "Linked" in t for t in traits)
