import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from leadscore_site.roles import ADMIN, MARKETER, SALES_MANAGER
from routing.export import escape_formula
from routing.models import ApiToken, Delivery, Lead, RoutingRule, Score, Tier
from tests.roles import give_roles, role_user

SCORE = "/api/v1/score"


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_user("boss", password="pw", is_staff=True)
    client.force_login(give_roles(admin, ADMIN))
    return client


def scored(api, n: int = 3, *, prefix: str = "p") -> list[dict]:
    leads = [
        {
            "external_id": f"{prefix}{i}",
            "Minutes on site": 10 * i,
            "Source": '=HYPERLINK("http://evil")' if i == 0 else "Google",
        }
        for i in range(n)
    ]
    return api("post", SCORE, {"leads": leads}).json()["leads"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("-2", "-2"),  # a number, written back as received
        ("+1.5", "+1.5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Plain", "Plain"),
        (3, 3),
    ],
)
def test_formula_cells_are_escaped(cell, written):
    assert escape_formula(cell) == written


def test_the_csv_export_escapes_formulas_and_keeps_the_filters(
    api, version, marketer_client
):
    scored(api)

    response = marketer_client.get(reverse("routing:export"), {"q": "HYPERLINK"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["lead_id", "external_id", "probability"]
    assert [row[1] for row in rows[1:]] == ["p0"]


@pytest.mark.django_db(transaction=True)
def test_the_file_download_escapes_formulas(
    marketer_client, version, run_jobs, tmp_path
):
    path = tmp_path / "new.csv"
    path.write_text("Source,Minutes on site\n\"=cmd|' /C calc'!A0\",3\nGoogle,40\n")
    with open(path, "rb") as handle:
        response = marketer_client.post(reverse("routing:upload"), {"file": handle})
    run_jobs("scoring")

    status = marketer_client.get(response.url + "status/").json()
    download = marketer_client.get(status["download_url"])

    assert status["status"] == "succeeded" and status["progress"] == 100
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-3:] == ["probability", "tier", "reasons"]
    assert rows[1][0].startswith("'=cmd")


def test_the_list_filters_by_tier_source_and_status(api, version, marketer_client):
    results = scored(api, 5)
    lead = Lead.objects.get(pk=results[0]["lead_id"])
    marketer_client.post(reverse("routing:outcome", args=[lead.pk]), {"outcome": "won"})

    won = marketer_client.get(reverse("routing:leads"), {"status": "won"})
    other = marketer_client.get(reverse("routing:leads"), {"source": "elsewhere"})

    assert list(won.context["page"].object_list) == [lead]
    assert not other.context["page"].object_list
    assert b'class="tier tier-' in won.content


def test_a_sales_manager_dates_an_outcome_from_the_lead_page(
    api, version, marketer_client
):
    lead = Lead.objects.get(pk=scored(api, 1)[0]["lead_id"])
    url = reverse("routing:outcome", args=[lead.pk])

    marketer_client.post(url, {"outcome": "won", "date": "2026-09-30"})
    page = marketer_client.get(lead.get_absolute_url())
    refused = marketer_client.post(
        url, {"outcome": "lost", "date": "2999-01-01"}, follow=True
    )

    lead.refresh_from_db()
    assert lead.outcome == "won" and lead.outcome_at.date().isoformat() == "2026-09-30"
    assert b'value="2026-09-30"' in page.content
    assert b"The outcome date is in the future" in refused.content


def test_the_lead_page_shows_history_and_answers(api, version, marketer_client):
    api("post", SCORE, {"external_id": "h1", "Minutes on site": 3})
    api("patch", "/api/v1/leads/h1", {"budget": "10k-50k"})
    lead = Lead.objects.get()

    page = marketer_client.get(lead.get_absolute_url())

    assert len(page.context["history"]) == 2
    assert b"10k-50k" in page.content and b"Score history" in page.content


def test_a_rep_claims_a_queued_lead_once(
    api, version, marketer_client, django_user_model
):
    scored(api, 1)
    lead = Lead.objects.get()
    Lead.objects.update(queued_at=lead.scored_at)

    marketer_client.post(reverse("routing:claim", args=[lead.pk]))
    other = give_roles(django_user_model.objects.create_user("other"), SALES_MANAGER)
    marketer_client.force_login(other)
    marketer_client.post(reverse("routing:claim", args=[lead.pk]))

    lead.refresh_from_db()
    assert lead.owner.username == "marketer"
    claim_url = reverse("routing:claim", args=[lead.pk]).encode()
    assert claim_url not in marketer_client.get(reverse("routing:queue")).content


@pytest.mark.parametrize(("role", "sells"), [(MARKETER, False), (SALES_MANAGER, True)])
def test_only_sales_roles_see_claim_buttons_and_outcome_forms(
    api, version, client, django_user_model, role, sells
):
    scored(api, 1)
    lead = Lead.objects.get()
    Lead.objects.update(queued_at=lead.scored_at)
    client.force_login(role_user(django_user_model, role))

    listed = client.get(reverse("routing:leads")).content.decode()
    queued = client.get(reverse("routing:queue")).content.decode()
    shown = client.get(lead.get_absolute_url()).content.decode()

    outcome_url = reverse("routing:outcome", args=[lead.pk])
    for page in (listed, queued, shown):
        assert (outcome_url in page) is sells
    assert (reverse("routing:claim", args=[lead.pk]) in queued) is sells
    assert (reverse("routing:outcomes") in listed) is sells
    assert ("outcome: open." in shown) is not sells


def test_a_marketer_cannot_claim_a_queued_lead(api, version, client, django_user_model):
    scored(api, 1)
    lead = Lead.objects.get()
    Lead.objects.update(queued_at=lead.scored_at)
    client.force_login(role_user(django_user_model, MARKETER))

    refused = client.post(reverse("routing:claim", args=[lead.pk]))

    lead.refresh_from_db()
    assert refused.status_code == 403
    assert lead.owner is None and lead.claimed_at is None


def test_outcomes_upload_by_csv(api, version, marketer_client, tmp_path):
    scored(api, 3)
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "external_id,outcome,date\np0,won,\np1,Lost,\nnobody,won,\np2,maybe,\n"
        "p2,won,2999-01-01\n"
    )

    with open(path, "rb") as handle:
        page = marketer_client.post(reverse("routing:outcomes"), {"file": handle})

    result = page.context["result"]
    # p2: an unreadable outcome, then a date in the future.
    assert (result.updated, result.unknown_ids, result.bad_rows) == (
        2,
        ["nobody"],
        [5, 6],
    )
    history = marketer_client.get(reverse("routing:outcome-history")).content.decode()
    assert "Converted" in history.splitlines()[0] and history.count("\n") == 3


def test_score_one_lead_by_hand(marketer_client, version):
    page = marketer_client.get(reverse("routing:score-one"))
    names = {f.label: name for name, f in page.context["form"].fields.items()}

    response = marketer_client.post(
        reverse("routing:score-one"),
        {
            "external_id": "by-hand",
            names["Minutes on site"]: "12",
            names["Source"]: "Event",
        },
    )

    lead = Lead.objects.get(external_id="by-hand")
    assert response.url == lead.get_absolute_url()
    assert lead.source == "web form" and lead.fields["Minutes on site"] == 12.0


def test_admin_pages_are_for_admins_only(marketer_client):
    for name in ("tiers", "rules", "tokens"):
        assert marketer_client.get(reverse(f"routing:{name}")).status_code == 403


def test_tier_preview_does_not_save_and_save_does(admin_client, version):
    data = tier_post(Tier.objects.ordered(), hot=0.9)

    preview = admin_client.post(reverse("routing:tiers"), data | {"preview": "1"})
    assert Tier.objects.get(name="Hot").min_probability == 0.7
    rows = {row.name: row for row in preview.context["preview"]}
    assert rows["Hot"].min_probability == 0.9
    assert sum(r.n_holdout for r in rows.values()) == len(version.holdout["proba"])

    saved = admin_client.post(reverse("routing:tiers"), data | {"save": "1"})
    assert saved.status_code == 302, saved.context["formset"].errors
    assert Tier.objects.get(name="Hot").min_probability == 0.9


@pytest.mark.parametrize("capacity", [1, 5, 12])
def test_the_fitted_top_tier_holds_the_capacity_in_the_table_shown(
    admin_client, api, version, capacity
):
    scored(api, 10)  # recent scores the preview must not mix in
    data = tier_post(Tier.objects.ordered(), hot=0.7) | {
        "leads_per_week": "60",
        "capacity": str(capacity),
        "preview": "1",
    }

    page = admin_client.post(reverse("routing:tiers"), data)

    hot = page.context["preview"][0]
    text = page.content.decode().replace("&#x27;", "'")
    assert f"Hot's threshold is set to {hot.min_probability}" in text
    # 600 held-out leads stand for 60 a week: each one is 0.1 lead a week.
    assert capacity - 0.5 <= hot.per_week <= capacity


def test_preview_puts_the_fitted_threshold_in_the_form(admin_client, api, version):
    scored(api, 10)
    data = tier_post(Tier.objects.ordered(), hot=0.7) | {
        "capacity": "1",
        "preview": "1",
    }

    page = admin_client.post(reverse("routing:tiers"), data)

    hot = page.context["preview"][0]
    shown = as_shown(page)
    assert shown[field_of(page, "Hot")] == str(hot.min_probability) != "0.7"
    assert shown["fitted_capacity"] == "1"
    html = page.content.decode()
    assert f'name="{field_of(page, "Hot")}" value="{hot.min_probability}"' in html
    assert '<input type="hidden" name="fitted_capacity" value="1"' in html


def test_save_after_a_preview_stores_what_the_page_showed(admin_client, api, version):
    scored(api, 10)
    data = tier_post(Tier.objects.ordered(), hot=0.7) | {"capacity": "1"}
    # New leads a week left blank: the preview scales to the recent volume.
    preview = admin_client.post(reverse("routing:tiers"), data | {"preview": "1"})
    shown = as_shown(preview)
    scored(api, 30, prefix="later")  # the recent volume changes before Save

    saved = admin_client.post(
        reverse("routing:tiers"), shown | {"save": "1"}, follow=True
    )

    threshold = float(shown[field_of(preview, "Hot")])
    assert Tier.objects.get(name="Hot").min_probability == threshold
    text = saved.content.decode().replace("&#x27;", "'")
    assert f"Hot's threshold is {threshold}, as previewed for 1 call a week" in text


def test_save_after_changing_the_capacity_fits_it_again(admin_client, api, version):
    scored(api, 10)
    data = tier_post(Tier.objects.ordered(), hot=0.7) | {
        "leads_per_week": "60",
        "capacity": "1",
    }
    preview = admin_client.post(reverse("routing:tiers"), data | {"preview": "1"})
    shown = as_shown(preview)

    saved = admin_client.post(
        reverse("routing:tiers"), shown | {"capacity": "2", "save": "1"}, follow=True
    )

    hot = Tier.objects.get(name="Hot").min_probability
    assert hot < float(shown[field_of(preview, "Hot")])  # room for more calls
    text = saved.content.decode().replace("&#x27;", "'")
    assert f"Hot's threshold is {hot}, computed on saving from the latest" in text


def test_new_leads_a_week_counts_each_lead_once(admin_client, api, version):
    scored(api, 8)
    Score.objects.update(scored_at=timezone.now() - timedelta(weeks=5))
    scored(api, 8)  # the same eight leads, rescored: none is new
    scored(api, 4, prefix="new")

    page = admin_client.get(reverse("routing:tiers"))

    # 4 leads first scored in the last 4 weeks; the 8 rescored ones are old.
    assert page.context["options"]["leads_per_week"].value() == 1.0
    assert 'name="leads_per_week" value="1.0"' in page.content.decode()


def test_rescoring_leaves_new_leads_a_week_unchanged(admin_client, api, version):
    scored(api, 8)
    before = admin_client.get(reverse("routing:tiers"))
    scored(api, 8)

    after = admin_client.get(reverse("routing:tiers"))

    for page in (before, after):
        assert page.context["options"]["leads_per_week"].value() == 2.0


def test_capacity_beyond_the_flow_keeps_the_top_tier_above_the_next(
    admin_client, api, version
):
    scored(api, 10)
    data = tier_post(Tier.objects.ordered(), hot=0.7) | {
        "capacity": "1000",
        "preview": "1",
    }

    page = admin_client.post(reverse("routing:tiers"), data)

    names = [row.name for row in page.context["preview"]]
    thresholds = [row.min_probability for row in page.context["preview"]]
    assert names == ["Hot", "Warm", "Cold"]
    assert thresholds == sorted(thresholds, reverse=True)
    assert "lower Warm's threshold" in page.content.decode().replace("&#x27;", "'")


# Hot typed as stored (its form unchanged) or changed; within or past the flow.
@pytest.mark.parametrize(("capacity", "hot"), [("1", 0.7), ("1000", 0.8)])
def test_saving_with_a_capacity_stores_the_threshold_the_preview_showed(
    admin_client, api, version, capacity, hot
):
    scored(api, 10)
    data = tier_post(Tier.objects.ordered(), hot=hot) | {"capacity": capacity}

    preview = admin_client.post(reverse("routing:tiers"), data | {"preview": "1"})
    shown = preview.context["preview"][0]
    saved = admin_client.post(
        reverse("routing:tiers"), data | {"save": "1"}, follow=True
    )

    assert shown.name == "Hot" and shown.min_probability != hot
    assert Tier.objects.get(name="Hot").min_probability == shown.min_probability
    assert f"threshold is {shown.min_probability}" in saved.content.decode()
    assert Tier.objects.get(name="Warm").min_probability == 0.3


def test_saving_with_a_capacity_but_no_recent_scores_saves_nothing(
    admin_client, version
):
    data = tier_post(Tier.objects.ordered(), hot=0.9) | {"capacity": "5"}

    page = admin_client.post(reverse("routing:tiers"), data | {"save": "1"})

    assert page.status_code == 200
    assert "Nothing was saved. No leads were scored recently" in page.content.decode()
    assert Tier.objects.get(name="Hot").min_probability == 0.7


def test_a_threshold_above_one_is_a_plain_form_error(admin_client, version):
    data = tier_post(Tier.objects.ordered(), hot=1.5)

    preview = admin_client.post(reverse("routing:tiers"), data | {"preview": "1"})
    saved = admin_client.post(reverse("routing:tiers"), data | {"save": "1"})

    for page in (preview, saved):
        assert page.status_code == 200
        assert "Give a share between 0 and 1" in page.content.decode()
    assert Tier.objects.get(name="Hot").min_probability == 0.7


def test_two_tiers_cannot_share_a_threshold(admin_client, version):
    data = tier_post(Tier.objects.ordered(), hot=0.3) | {"save": "1"}

    page = admin_client.post(reverse("routing:tiers"), data)

    assert page.status_code == 200
    assert "Two tiers have the same threshold" in page.content.decode()
    assert Tier.objects.get(name="Hot").min_probability == 0.7


def tier_post(tiers, *, hot: float) -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(tiers) + 1),
        "form-INITIAL_FORMS": str(len(tiers)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        # A browser posts the colour picker's default for the blank row.
        f"form-{len(tiers)}-colour": "#475467",
    }
    for i, tier in enumerate(tiers):
        low = hot if tier.name == "Hot" else tier.min_probability
        data |= {
            f"form-{i}-id": str(tier.pk),
            f"form-{i}-name": tier.name,
            f"form-{i}-min_probability": str(low),
            f"form-{i}-colour": tier.colour,
            f"form-{i}-follow_up": tier.follow_up,
        }
    return data


def as_shown(page) -> dict:
    """Return what a browser posts back from the tier form on `page`."""
    formset, options = page.context["formset"], page.context["options"]
    fields = [
        field
        for form in (formset.management_form, *formset.forms, options)
        for field in form
    ]
    return {
        field.html_name: str(field.value())
        for field in fields
        if field.value() not in (None, False, "")
    }


def field_of(page, tier: str) -> str:
    """Return the name of the threshold field of `tier` on the tier page."""
    forms = page.context["formset"].forms
    form = next(form for form in forms if form["name"].value() == tier)
    return form.add_prefix("min_probability")


def test_rules_refuse_internal_webhooks(admin_client, db, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    hot = Tier.objects.ordered()[0]

    page = admin_client.post(
        reverse("routing:rules"),
        {
            "tier": hot.pk,
            "kind": "webhook",
            "url": "http://169.254.169.254/",
            "is_active": "on",
        },
    )

    assert "internal address" in page.content.decode()
    assert not RoutingRule.objects.exists()


def test_tokens_are_created_shown_once_and_revoked(admin_client, db):
    page = admin_client.post(reverse("routing:tokens"), {"name": "HubSpot"})
    token = ApiToken.objects.get()

    admin_client.post(reverse("routing:revoke", args=[token.pk]))

    assert page.context["key"].startswith(token.prefix)
    assert (
        page.context["key"]
        not in admin_client.get(reverse("routing:tokens")).content.decode()
    )
    token.refresh_from_db()
    assert not token.is_active


def test_the_delivery_log_filters_and_an_admin_resends(
    admin_client, api, version, queues
):
    hot, warm, cold = Tier.objects.ordered()
    for tier in (hot, warm, cold):
        RoutingRule.objects.create(tier=tier, kind="email", recipients="a@example.com")
    scored(api, 2)
    lead = Lead.objects.first()
    score = lead.scores.get()
    delivery = Delivery.objects.create(
        rule=RoutingRule.objects.get(tier=lead.tier),
        score=score,
        lead=lead,
        status="failed",
    )

    page = admin_client.get(reverse("routing:deliveries"), {"status": "failed"})
    admin_client.post(reverse("routing:resend", args=[delivery.pk]))

    assert list(page.context["page"].object_list) == [delivery]
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.n_resends == 1


def test_pages_render(admin_client, api, version):
    scored(api, 2)
    for name in (
        "leads",
        "queue",
        "outcomes",
        "score-one",
        "tiers",
        "rules",
        "deliveries",
        "tokens",
    ):
        assert admin_client.get(reverse(f"routing:{name}")).status_code == 200, name


def test_an_image_uploaded_as_outcomes_gets_a_plain_message(marketer_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = SimpleUploadedFile("outcomes.csv", b"\x89PNG\r\n\x1a\n\x00\x00\rIHDR\x00")
    page = marketer_client.post(reverse("routing:outcomes"), {"file": image})

    assert page.status_code == 200
    assert b"not a readable CSV of outcomes" in page.content


@pytest.mark.parametrize(
    ("content", "said"),
    [(b"", "The file is empty"), (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image")],
)
def test_a_sales_manager_is_told_why_a_file_cannot_be_scored(
    client, sales_manager, version, content, said, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(sales_manager)
    upload = SimpleUploadedFile("new.csv", content)

    response = client.post(reverse("routing:upload"), {"file": upload})

    assert response.status_code == 200
    assert said in response.content.decode()
