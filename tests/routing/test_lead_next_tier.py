"""The lead page says which one change would move the lead up a tier."""

import re

from django.urls import reverse

from modeling.next_tier import next_tier_for
from modeling.runs import tier_thresholds
from routing.intake import check_lead
from routing.leads import score_incoming
from routing.models import Lead


def score(version, **fields) -> Lead:
    """Score one lead as the API would and return it."""
    [item] = score_incoming(
        [check_lead(fields, version.column_kinds)], version, source="test"
    )
    return item.lead


def next_tier_text(page) -> str:
    found = re.search(r'<p id="next-tier">(.*?)</p>', page.content.decode(), re.S)
    return found.group(1) if found else ""


def test_a_cold_lead_is_told_how_many_more_minutes_would_lift_it(
    marketer_client, version
):
    lead = score(version, external_id="c1", Source="Google", **{"Minutes on site": 5})
    assert lead.tier.name == "Cold"

    page = marketer_client.get(lead.get_absolute_url())

    text = next_tier_text(page)
    change = next_tier_for(version, lead.fields, tier_thresholds())
    assert change["column"] == "Minutes on site" and float(change["to"]) > 5
    assert text == change["text"] + "."
    assert text.startswith("If Minutes on site were ") and "instead of 5," in text
    # Where the lead came from cannot change, so it is never suggested.
    assert "Source" not in text
    assert "Only fields a lead can still change are tried (Minutes on site)" in (
        page.content.decode()
    )


def test_a_hot_lead_is_already_at_the_top(marketer_client, version):
    lead = score(
        version, external_id="h1", Source="Referral", **{"Minutes on site": 60}
    )
    assert lead.tier.name == "Hot"

    page = marketer_client.get(lead.get_absolute_url())

    assert next_tier_text(page) == "This lead is already in the top tier."


def test_a_lead_scored_by_hand_shows_its_next_tier_change(marketer_client, version):
    form = marketer_client.get(reverse("routing:score-one")).context["form"]
    names = {field.label: name for name, field in form.fields.items()}

    response = marketer_client.post(
        reverse("routing:score-one"),
        {"external_id": "by-hand", names["Minutes on site"]: "5"},
        follow=True,
    )

    assert next_tier_text(response).startswith("If Minutes on site were ")
