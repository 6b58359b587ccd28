"""Every lead is cleaned as the model's history was, whichever way it came,
and the scored download repeats the customer's cells as they sent them."""

import csv
import io

import pytest
from django.urls import reverse

from datasets import intake
from routing.models import Lead
from tests.conftest import make_leads
from tests.routing.conftest import build_version
from tests.routing.test_scoring_files import upload, work

pytestmark = pytest.mark.django_db(transaction=True)

SCORE = "/api/v1/score"
FIELDS = {"Minutes on site": 12.5, "Employees": "11-50"}


def chance(api, **fields) -> float:
    response = api("post", SCORE, FIELDS | fields)
    assert response.status_code == 200, response.json()
    return response.json()["probability"]


def test_a_spelling_the_history_merged_scores_as_the_value_it_learned(api, version):
    assert version.cleanup["kept_values"]["Source"]  # the history kept its sources

    learned = chance(api, Source="Referral")
    assert chance(api, Source="  REFERRAL ") == learned
    assert chance(api, Source="referral") == learned
    assert chance(api, Source="Google") != learned


@pytest.fixture
def gappy_version(db, settings, tmp_path):
    """A model whose history left Source blank on some leads and named a
    few rare sources, which the clean-up grouped as "Other"."""
    settings.MEDIA_ROOT = tmp_path / "media"
    history = make_leads(800, random_state=3)
    history.loc[::9, "Source"] = "Select"
    history.loc[::7, "Source"] = None
    history.loc[1:40:5, "Source"] = [f"Fair {i}" for i in range(8)]
    return build_version(history)


def test_a_placeholder_scores_as_blank_and_an_unknown_value_as_other(
    api, gappy_version
):
    assert "Other" in set(intake.load_table(gappy_version.dataset)["Source"])

    blank = chance(api, Source=None)
    assert chance(api, Source="Select") == blank
    assert chance(api, Source="n/a") == blank
    other = chance(api, Source="Other")
    assert other != blank
    assert chance(api, Source="Carrier pigeon") == other
    assert chance(api, Source="Fair 3") == other


def test_the_lead_keeps_its_fields_as_sent(api, version):
    api("post", SCORE, FIELDS | {"external_id": "k1", "Source": "  REFERRAL "})
    assert Lead.objects.get(external_id="k1").fields["Source"] == "  REFERRAL "


RECEIVED = (
    "Lead ID,Source,Minutes on site,Employees\r\n"
    'L1,  referral ,"12.50",Select\r\n'
    'L2,"=HYPERLINK(""http://example.invalid"")",-3,n/a\r\n'
    "L3,Referral,12.5,Select\r\n"
    "\r\n"
    "L4,Carrier pigeon,+7,11-50\r\n"
)


def test_the_download_repeats_each_cell_as_received(
    marketer_client, version, queues, tmp_path
):
    run = upload(marketer_client, tmp_path, RECEIVED)
    work()
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    response = marketer_client.get(reverse("routing:run-download", args=[run.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0] == [
        "Lead ID",
        "Source",
        "Minutes on site",
        "Employees",
        "probability",
        "tier",
        "reasons",
    ]
    cells = [row[:4] for row in rows[1:]]
    assert cells == [
        ["L1", "  referral ", "12.50", "Select"],
        ["L2", '\'=HYPERLINK("http://example.invalid")', "-3", "n/a"],
        ["L3", "Referral", "12.5", "Select"],
        ["L4", "Carrier pigeon", "+7", "11-50"],
    ]
    # The first and third rows differ only in how they were written.
    assert rows[1][4:] == rows[3][4:]
    stored = Lead.objects.get(external_id="L1")
    assert stored.fields["Source"] == "referral"  # stripped as read, not merged
    assert stored.probability == Lead.objects.get(external_id="L3").probability
