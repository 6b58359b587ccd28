"""Drift warnings and the audit log of tiers, rules and users."""

import numpy as np
import pandas as pd
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from modeling.drift import drift_report, psi, reference_profile
from modeling.models import AuditEntry, DriftCheck, RetrainPolicy
from modeling.monitoring import check_drift
from routing.leads import score_and_store
from routing.models import RoutingRule, Tier
from tests.builders import make_leads

KINDS = {"Source": "category", "Minutes on site": "number", "Employees": "category"}


def shifted(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the leads as if a new campaign brought only long-reading events."""
    return frame.assign(
        Source="Event", **{"Minutes on site": frame["Minutes on site"] * 4}
    )


def test_the_same_population_is_stable_and_a_moved_one_is_not():
    history = make_leads(600)
    reference = reference_profile(history, KINDS, list(np.linspace(0, 1, 600)))

    same = drift_report(
        reference, make_leads(600, random_state=3), np.linspace(0, 1, 600), KINDS
    )
    moved = drift_report(
        reference, shifted(make_leads(600, random_state=3)), np.full(600, 0.9), KINDS
    )

    assert max(same["columns"].values()) < 0.1 and same["score_psi"] < 0.1
    assert moved["columns"]["Source"] > 0.25
    assert moved["columns"]["Minutes on site"] > 0.25
    assert moved["columns"]["Employees"] < 0.1 and moved["score_psi"] > 0.25


def test_psi_is_zero_for_equal_shares_and_finite_for_empty_bins():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert 0 < psi([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]) < 20


@pytest.mark.django_db(transaction=True)
def test_drift_alerts_e_mail_once_while_it_lasts(champion):
    RetrainPolicy.objects.update_or_create(
        pk=RetrainPolicy.current().pk, defaults={"drift_emails": "boss@example.com"}
    )
    score_and_store(shifted(make_leads(200, random_state=4)), champion)

    first, second = check_drift(), check_drift()

    assert first.alert and second.alert and first.worst > 0.25
    assert first.emailed and not second.emailed
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["boss@example.com"]
    assert "Source" in mail.outbox[0].body
    assert DriftCheck.objects.count() == 2


@pytest.mark.django_db
def test_tier_rule_and_user_changes_are_logged_with_who_made_them(
    client, django_user_model
):
    boss = django_user_model.objects.create_superuser("boss", password="pw-boss-1")
    client.force_login(boss)
    hot = Tier.objects.ordered()[0]
    rule = RoutingRule.objects.create(tier=hot, kind=RoutingRule.Kind.CALL_QUEUE)

    client.post(reverse("routing:rule-toggle", args=[rule.pk]))
    hot.min_probability = 0.8
    hot.save()

    toggled = AuditEntry.objects.filter(subject="rule", action="changed").get()
    assert toggled.actor == boss and "(off)" in toggled.summary
    assert AuditEntry.objects.filter(subject="tier", action="changed").get().who == (
        "system"
    )
    assert AuditEntry.objects.filter(subject="user", action="created").exists()
    seller = django_user_model.objects.create_user("seller", password="pw-sell-1")
    seller.groups.add(Group.objects.get_or_create(name="Sales manager")[0])
    roles = AuditEntry.objects.get(subject="user", action="roles")
    assert roles.summary == "User seller: given Sales manager"
    page = client.get(reverse("modeling:audit"))
    assert page.status_code == 200 and b"Call queue" in page.content
