"""The home page per role, the step indicator on the path to a first model,
and picking the path up again after leaving it half-way."""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from datasets.models import Dataset
from leadscore_site.context_processors import STEP_OF_VIEW, STEPS, resume
from leadscore_site.roles import MARKETER, SALES_MANAGER
from modeling.models import Comparison, DriftCheck, ModelVersion, TrainingRun
from routing.models import Delivery, Lead, RoutingRule, Score, Tier
from tests.builders import make_leads
from tests.roles import give_roles
from tests.routing import conftest as routing_fixtures

pytestmark = pytest.mark.django_db


# An active model trained once per session (see tests/routing/conftest.py).
trained_fields = routing_fixtures.trained_fields
version = routing_fixtures.version


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def history_csv(n_open: int = 40) -> bytes:
    """make_leads() with a leaky column and the last leads still open."""
    frame = make_leads()
    frame["Contract value"] = [
        "12000" if outcome == "Yes" else "" for outcome in frame["Converted"]
    ]
    frame.loc[frame.index[-n_open:], "Converted"] = ""
    return frame.to_csv(index=False).encode()


def upload(client, content: bytes, name: str = "history.csv") -> Dataset:
    handle = io.BytesIO(content)
    handle.name = name
    client.post(reverse("datasets:upload"), {"file": handle})
    return Dataset.objects.latest("pk")


def save_mapping(client, dataset: Dataset, **choices) -> None:
    data = {"target": "Converted", "positive": ["Yes"], **choices}
    response = client.post(reverse("datasets:mapping", args=[dataset.pk]), data)
    assert response.status_code == 302, response.context["form"].errors


def home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def steps_shown(html: str) -> dict[str, str]:
    """Return each step's label and state as the indicator marks them."""
    found = re.findall(
        r'class="step step-(\w+)".*?</span> ([^<]+?)(?:</a>)?\s*<', html, re.S
    )
    return {label.strip(): state for state, label in found}


def next_step(html: str) -> tuple[str, str]:
    card = html[html.index('id="next-step"') :]
    link = re.search(r'<a class="button" href="([^"]+)">([^<]+)</a>', card)
    return link[1].replace("&amp;", "&"), link[2]


# --- the home page for each role ---


def test_a_new_marketer_is_told_to_upload_or_try_the_sample(client, marketer_only):
    client.force_login(marketer_only)
    html = home(client)

    assert next_step(html) == (reverse("datasets:upload"), "Upload lead history")
    assert "Try it with sample data" in html
    assert "Nothing uploaded yet" in html
    assert "No model yet. Once an upload has its outcome column chosen" in html
    assert "Today's hot leads" not in html


def test_a_sales_manager_sees_hot_leads_and_the_call_queue_only(client, sales_manager):
    client.force_login(sales_manager)
    html = home(client)

    assert "Today's hot leads" in html
    assert "No hot lead has been scored today" in html
    assert "Nobody to call yet" in html
    assert "Your uploads" not in html
    assert 'id="admin-heading"' not in html
    assert "Steps to a first model" not in html


def test_an_admin_sees_model_health_deliveries_and_challengers(client, site_admin):
    client.force_login(site_admin)
    html = home(client)

    assert "No model in use yet" in html
    assert "No delivery is failing" in html
    assert "None waiting" in html
    assert "Your uploads" not in html


def test_someone_with_two_roles_sees_both_sections_in_order(client, django_user_model):
    user = django_user_model.objects.create_user("both", password="pw-both-1")
    client.force_login(give_roles(user, MARKETER, SALES_MANAGER))
    html = home(client)

    assert html.index("Your first model") < html.index("Today's hot leads")
    assert 'id="admin-heading"' not in html


def test_a_superuser_in_no_group_sees_the_admin_section(client, admin_user):
    client.force_login(admin_user)
    assert 'id="admin-heading"' in home(client)


def hot_lead(name: str, *, probability: float = 0.9, **fields) -> Lead:
    tier = Tier.objects.ordered()[0 if probability >= 0.7 else 1]
    return Lead.objects.create(
        external_id=name, probability=probability, tier=tier, **fields
    )


def test_todays_hot_leads_leave_out_yesterdays_warm_and_closed_ones(
    client, sales_manager
):
    hot_lead("HOT-TODAY")
    hot_lead("WARM-TODAY", probability=0.5)
    hot_lead("HOT-WON", outcome="won")
    yesterday = hot_lead("HOT-YESTERDAY")
    Lead.objects.filter(pk=yesterday.pk).update(
        scored_at=timezone.now() - timedelta(days=1, hours=1)
    )
    client.force_login(sales_manager)
    html = home(client)

    section = html[html.index('id="hot-leads"') : html.index("<h2>Call queue")]
    assert "HOT-TODAY" in section
    assert "90%" in section
    for name in ("WARM-TODAY", "HOT-WON", "HOT-YESTERDAY"):
        assert name not in section


def test_the_call_queue_shows_its_first_leads_and_how_many_wait(client, sales_manager):
    for i in range(12):
        hot_lead(f"Q-{i:02d}", probability=0.95 - i / 100, queued_at=timezone.now())
    client.force_login(sales_manager)
    html = home(client)

    assert "12 leads waiting for a call" in html
    queue = html[html.index('class="queue-head"') :]
    assert queue.index("Q-00") < queue.index("Q-09")
    assert "Q-11" not in queue
    assert reverse("routing:queue") in queue


def test_model_health_compares_actual_and_expected_conversion(
    client, site_admin, version
):
    outcomes = ((0.8, "won"), (0.6, "won"), (0.2, "lost"), (0.2, ""))
    for i, (probability, outcome) in enumerate(outcomes):
        hot_lead(
            f"X{i}", probability=probability, outcome=outcome, model_version=version
        )
    client.force_login(site_admin)
    html = home(client)

    health = html[html.index('id="model-health"') :]
    assert f"Model v{version.pk}" in health
    assert "67% of 3 leads with an outcome converted; the model expected 53%" in health
    assert "Never." in health  # no retraining yet
    assert f'datetime="{version.created_at.isoformat()}"' in health


def test_failing_deliveries_are_listed_with_a_way_to_resend(client, site_admin):
    lead = hot_lead("DELIVER-ME")
    rule = RoutingRule.objects.create(
        tier=lead.tier, kind="webhook", url="https://crm.example/hook"
    )
    score = Score.objects.create(lead=lead, probability=0.9, tier=lead.tier)
    Delivery.objects.create(
        rule=rule, score=score, lead=lead, status="failed", n_attempts=4
    )
    client.force_login(site_admin)
    html = home(client)

    assert "1 delivery failed or waiting to retry" in html
    assert "DELIVER-ME</a>: failed after 4 attempts" in html
    assert f"{reverse('routing:deliveries')}?status=failed" in html


def test_a_retrained_model_not_yet_in_use_waits_for_a_decision(
    client, site_admin, version, trained_fields
):
    run = TrainingRun.objects.create(
        dataset=version.dataset, algorithm="logistic", kind="retrain"
    )
    challenger = routing_fixtures.store_trained(trained_fields, run, is_active=False)
    Comparison.objects.create(challenger=challenger, champion=version)
    client.force_login(site_admin)
    html = home(client)

    assert reverse("modeling:comparison", args=[challenger.pk]) in html
    assert f"Compare Model v{challenger.pk}" in html
    assert "Last retraining" in html and "Never." not in html


def test_the_drift_warning_shows_to_those_who_see_models(
    client, marketer_only, sales_manager, version
):
    DriftCheck.objects.create(version=version, worst=0.41, alert=True, n_leads=80)

    client.force_login(marketer_only)
    assert "no longer look like the ones model" in home(client)
    client.force_login(sales_manager)
    assert "no longer look like the ones model" not in home(client)


# --- the path to a first model: the indicator and picking it up again ---


@pytest.mark.django_db(transaction=True)
def test_the_next_step_follows_the_history_through_the_path(
    client, marketer_only, run_jobs
):
    client.force_login(marketer_only)
    dataset = upload(client, history_csv())
    preview = dataset.get_absolute_url()
    assert next_step(home(client)) == (preview, "Check the columns of history.csv")

    save_mapping(client, dataset, excluded=["Lead ID", "Contract value"])
    html = home(client)
    train = reverse("modeling:train", args=[dataset.pk])
    assert next_step(html) == (train, "Train a model on history.csv")
    assert steps_shown(html) == {
        "Upload": "done",
        "Check columns": "done",
        "Outcome and exclusions": "done",
        "Train": "next",
        "Review": "todo",
        "Score leads": "todo",
    }

    client.post(train, {"algorithm": "logistic"})
    run = TrainingRun.objects.get()
    html = home(client)
    assert next_step(html) == (
        run.get_absolute_url(),
        "Follow the training on history.csv",
    )
    assert "data-wait-for-job" in html  # the home page reloads when it ends

    run_jobs("training")
    version = ModelVersion.objects.get()
    assert next_step(home(client)) == (
        version.get_absolute_url(),
        "Review the model trained on history.csv",
    )

    run_jobs("scoring")
    html = home(client)
    leads = f"{reverse('routing:leads')}?dataset={dataset.pk}"
    assert next_step(html) == (
        leads,
        "See the leads ranked by the model trained on history.csv",
    )
    assert set(steps_shown(html).values()) == {"done"}


def test_an_unreadable_upload_sends_the_user_to_its_error(client, marketer_only):
    client.force_login(marketer_only)
    dataset = upload(client, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "x.csv")

    assert dataset.status == Dataset.Status.FAILED
    assert next_step(home(client)) == (
        dataset.get_absolute_url(),
        "See why x.csv could not be read",
    )


def test_a_failed_training_sends_the_user_to_what_went_wrong(client, marketer_only):
    client.force_login(marketer_only)
    dataset = upload(client, history_csv())
    save_mapping(client, dataset)
    run = TrainingRun.objects.create(
        dataset=dataset, algorithm="logistic", status="failed", error="Too few."
    )

    assert next_step(home(client)) == (
        run.get_absolute_url(),
        "See why the training on history.csv stopped",
    )


def test_the_latest_history_of_the_user_decides_the_next_step(
    client, marketer_only, django_user_model
):
    other = django_user_model.objects.create_user("other", password="pw-other-1")
    client.force_login(give_roles(other, MARKETER))
    upload(client, history_csv(), "theirs.csv")
    client.force_login(marketer_only)
    mine = upload(client, history_csv(), "mine.csv")

    assert resume(mine).text == "Check the columns of mine.csv"
    html = home(client)
    assert "Check the columns of mine.csv" in html
    assert "theirs.csv" not in html


def indicator(client, url: str) -> tuple[dict[str, str], str]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    nav = html[
        html.index('class="steps"') : html.index("</nav>", html.index('class="steps"'))
    ]
    return steps_shown(nav), response.context["step"]


def test_the_indicator_marks_done_current_and_next_on_each_page(client, marketer_only):
    client.force_login(marketer_only)
    shown, _ = indicator(client, reverse("datasets:upload"))
    assert shown["Upload"] == "current"
    assert shown["Check columns"] == "next"

    dataset = upload(client, history_csv())
    shown, _ = indicator(client, dataset.get_absolute_url())
    assert [
        shown[k] for k in ("Upload", "Check columns", "Outcome and exclusions")
    ] == [
        "done",
        "current",
        "next",
    ]

    shown, _ = indicator(client, reverse("datasets:mapping", args=[dataset.pk]))
    assert shown["Check columns"] == "done"
    assert shown["Outcome and exclusions"] == "current"
    assert shown["Train"] == "next"

    save_mapping(client, dataset)
    shown, _ = indicator(client, dataset.get_absolute_url())
    assert shown["Outcome and exclusions"] == "done"  # going back undoes nothing
    assert shown["Check columns"] == "current"
    assert shown["Train"] == "next"


def test_done_steps_link_back_and_steps_not_reached_do_not(client, marketer_only):
    client.force_login(marketer_only)
    dataset = upload(client, history_csv())
    save_mapping(client, dataset)
    html = client.get(reverse("modeling:train", args=[dataset.pk])).content.decode()
    nav = html[html.index('class="steps"') :]

    assert f'href="{reverse("datasets:mapping", args=[dataset.pk])}"' in nav
    assert f'href="{dataset.get_absolute_url()}"' in nav
    assert 'aria-current="step"' in nav
    assert reverse("routing:leads") not in nav[: nav.index("</nav>")]


def test_going_back_to_the_mapping_keeps_what_was_chosen(client, marketer_only):
    client.force_login(marketer_only)
    dataset = upload(client, history_csv())
    advised = client.get(reverse("datasets:mapping", args=[dataset.pk]))
    assert "Contract value" in advised.context["form"].initial["excluded"]

    # Keep the leaky column the advice left out, leave out Source instead.
    save_mapping(client, dataset, excluded=["Lead ID", "Source"])
    back = client.get(reverse("datasets:mapping", args=[dataset.pk]))

    form = back.context["form"]
    assert form.initial["target"] == "Converted"
    assert form.initial["positive"] == ["Yes"]
    assert sorted(form.initial["excluded"]) == ["Lead ID", "Source"]
    html = back.content.decode()
    assert re.search(r'value="Source"[^>]*checked', html)
    assert not re.search(r'value="Contract value"[^>]*checked', html)


def test_sales_managers_do_not_get_the_marketers_path(client, sales_manager):
    client.force_login(sales_manager)
    html = client.get(reverse("routing:leads")).content.decode()
    assert "Steps to a first model" not in html


@pytest.fixture
def path_urls(client, marketer_only, version) -> dict[str, str]:
    """Return a URL for every page of the path, for a marketer's own upload."""
    from routing.models import ScoringRun

    client.force_login(marketer_only)
    dataset = upload(client, history_csv())
    extra = upload(client, b"Lead ID,Budget\nL00001,Over 50k\n", "extra.csv")
    save_mapping(client, dataset)
    run = TrainingRun.objects.create(dataset=dataset, algorithm="logistic")
    scoring = ScoringRun.objects.create(dataset=version.dataset, model_version=version)
    pages = {
        "datasets:upload": [],
        "datasets:preview": [dataset.pk],
        "datasets:combine": [dataset.pk],
        "datasets:combine-keys": [dataset.pk, extra.pk],
        "datasets:mapping": [dataset.pk],
        "modeling:train": [dataset.pk],
        "modeling:run": [run.pk],
        "modeling:version": [version.pk],
        "routing:leads": [],
        "routing:upload": [],
        "routing:run": [scoring.pk],
    }
    return {name: reverse(name, args=args) for name, args in pages.items()}


@pytest.mark.parametrize("name", sorted(STEP_OF_VIEW))
def test_each_page_of_the_path_marks_its_own_step_current(client, path_urls, name):
    """The indicator and the view agree on which step a page is."""
    response = client.get(path_urls[name])

    assert response.status_code == 200
    current = re.search(
        r'step-current" aria-current="step">.*?</span> ([^<]+)',
        response.content.decode(),
        re.S,
    )
    assert response.context["step"] == STEP_OF_VIEW[name]
    assert current[1].strip() == dict(STEPS)[STEP_OF_VIEW[name]]


def test_times_are_sent_as_machine_readable_time_elements(client, marketer_only):
    client.force_login(marketer_only)
    dataset = upload(client, history_csv())
    html = home(client)

    stamp = dataset.uploaded_at.isoformat()
    assert re.search(rf'<time datetime="{re.escape(stamp)}">[^<]+UTC</time>', html)


def test_counts_on_the_home_page_have_thousands_separators(client, marketer_only):
    client.force_login(marketer_only)
    dataset = upload(client, history_csv())
    Dataset.objects.filter(pk=dataset.pk).update(row_count=1234567)

    assert '<td class="num">1,234,567</td>' in home(client)


def test_a_pending_scoring_makes_the_lead_list_wait_for_it(
    client, marketer_only, version
):
    from routing.jobs import enqueue_scoring

    enqueue_scoring(version.dataset, version, is_async=True)
    client.force_login(marketer_only)
    html = client.get(reverse("routing:leads")).content.decode()

    assert re.search(r'id="scoring-pending" data-wait-for-job', html)
    assert "Refresh" not in html


def test_the_sample_data_leads_to_its_columns_and_the_outcome_hint(
    client, marketer_only
):
    client.force_login(marketer_only)
    response = client.post(reverse("datasets:sample"), follow=True)

    dataset = Dataset.objects.get()
    assert response.redirect_chain[-1][0] == dataset.get_absolute_url()
    assert "choose the outcome column: Status" in response.content.decode()
    assert next_step(home(client))[1] == "Check the columns of sample-lead-history.csv"


def test_admins_and_sales_managers_may_open_what_their_sections_link_to(
    client, sales_manager, site_admin
):
    for user in (sales_manager, site_admin):
        client.force_login(user)
        html = home(client)
        for href in set(re.findall(r'href="(/[^"?#]*)', html)):
            if href.startswith(("/static/", "/accounts/")):
                continue
            assert client.get(href).status_code in (200, 302), (user, href)
