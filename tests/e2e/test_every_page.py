"""Every page of the app, as a role that may open it, at a laptop's and a
tablet's width: no serious accessibility violation, no console error, nothing
wider than the window, and no request to any host but the test server.

The pages come from the access matrix (leadscore_site/access.py), so a new
page is visited here as soon as it has its line there.
"""

from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from datasets import intake
from datasets.models import Dataset
from datasets.sample import sample_csv_bytes
from leadscore_site.access import MATRIX, rule_for
from leadscore_site.roles import ADMIN, MARKETER, ROLE_CAPABILITIES, SALES_MANAGER
from modeling import jobs
from modeling.models import Comparison, ModelVersion, TrainingRun
from routing.jobs import enqueue_scoring
from routing.models import Delivery, Lead, RoutingRule, ScoringRun
from routing.tokens import create_token
from tests.e2e.conftest import SCREENSHOTS, SERIOUS, describe
from tests.roles import role_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": (1366, 768), "tablet": (768, 1024)}
ROLES = (MARKETER, SALES_MANAGER, ADMIN)
# URL names signed-in people reach that are not pages: forms post to them,
# or they answer with JSON or CSV. The APIs, which want a token, are left
# out by their rule; every other name in the matrix is visited.
NOT_PAGES = {
    "logout",
    "health",
    "datasets:sample",
    "datasets:reread",
    "datasets:uncombine",
    "modeling:run-status",
    "modeling:run-cancel",
    "modeling:schedule",
    "modeling:retrain-now",
    "modeling:promote",
    "modeling:rescore-all",
    "modeling:check-drift",
    "routing:export",
    "routing:claim",
    "routing:outcome",
    "routing:run-status",
    "routing:run-download",
    "routing:outcome-history",
    "routing:rule-toggle",
    "routing:resend",
    "routing:revoke",
    "api-schema",
    "api-not-found",
}
OUT = SCREENSHOTS / "every-page"


def roles_for(name: str) -> list[str | None]:
    """Return who visits a page: nobody signed in for a public page, each
    role for one every role opens, else the first role that may open it."""
    rule = rule_for(name)
    if rule.kind == "public":
        return [None]
    if rule.kind == "any_role":
        return list(ROLES)
    return [next(r for r in ROLES if rule.need in ROLE_CAPABILITIES[r])]


def mapped_sample(owner) -> Dataset:
    content = sample_csv_bytes()
    dataset = Dataset.objects.create(
        owner=owner,
        file=ContentFile(content, name="sample-lead-history.csv"),
        original_name="sample-lead-history.csv",
        size=len(content),
    )
    intake.inspect_upload(dataset)
    intake.save_mapping(
        dataset,
        intake.load_uncleaned(dataset),
        target="Status",
        positive=["Won"],
        still_open=["Open"],
        excluded={"Lead ID": "An identifier.", "Deal size": "Known after a sale."},
    )
    return dataset


def small_upload(owner, purpose: str, name: str, text: str) -> Dataset:
    dataset = Dataset.objects.create(
        owner=owner,
        purpose=purpose,
        file=ContentFile(text.encode(), name=name),
        original_name=name,
        size=len(text),
    )
    intake.inspect_upload(dataset)
    return dataset


@pytest.fixture
def world(transactional_db, settings, tmp_path, run_jobs, django_user_model):
    """A lived-in installation: a trained and retrained model, scored and
    queued leads, outcomes, a failing delivery, a token. Return the users and
    the arguments of each page that needs some."""
    settings.MEDIA_ROOT = tmp_path / "media"
    users = {role: role_user(django_user_model, role) for role in ROLES}
    marketer = users[MARKETER]

    history = mapped_sample(marketer)
    jobs.enqueue_training(history, algorithm="logistic", user=marketer)
    run_jobs("training", "scoring")
    version = ModelVersion.objects.get()

    new = small_upload(
        marketer,
        Dataset.Purpose.NEW_LEADS,
        "new-leads.csv",
        "Lead ID,Source,Minutes on site,Visited pricing page\n"
        "NEW-1,LinkedIn,30,Yes\nNEW-2,Webinar,2,No\n",
    )
    scoring = enqueue_scoring(new, version)
    extra = small_upload(
        marketer,
        Dataset.Purpose.EXTRA,
        "chatbot.csv",
        "Lead ID,Chatbot budget\nSMP-00001,Over 50k\nSMP-00002,Under 10k\n",
    )
    run_jobs("scoring")

    leads = list(Lead.objects.order_by("-probability"))
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[:5]]).update(
        queued_at=timezone.now()
    )
    for lead, outcome in zip(leads[5:25], ["won", "lost"] * 10):
        Lead.objects.filter(pk=lead.pk).update(
            outcome=outcome, outcome_at=timezone.now()
        )

    jobs.enqueue_retrain(trigger="admin", user=users[ADMIN])
    run_jobs("training")
    comparison = Comparison.objects.get()

    rule = RoutingRule.objects.create(
        tier=leads[0].tier, kind="webhook", url="https://crm.example/hook"
    )
    Delivery.objects.create(
        rule=rule,
        score=leads[0].scores.first(),
        lead=leads[0],
        status=Delivery.Status.FAILED,
        n_attempts=4,
    )
    create_token("CRM")
    # A training that failed: its page says what to do, and stops polling.
    failed = TrainingRun.objects.create(
        dataset=history,
        algorithm="forest",
        status=TrainingRun.Status.FAILED,
        error="Only 3 leads converted: too few to learn from.",
    )

    args = {
        "datasets:preview": [history.pk],
        "datasets:mapping": [history.pk],
        "datasets:combine": [history.pk],
        "datasets:combine-keys": [history.pk, extra.pk],
        "modeling:train": [history.pk],
        "modeling:run": [failed.pk],
        "modeling:version": [version.pk],
        "modeling:comparison": [comparison.challenger_id],
        "routing:lead": [leads[0].pk],
        "routing:run": [ScoringRun.objects.get(pk=scoring.pk).pk],
    }
    return users, args


def pages_to_visit() -> list[str]:
    """Return the URL names of every page people open in a browser."""
    return sorted(
        name
        for name, rule in MATRIX.items()
        if rule.kind in ("public", "any_role", "capability") and name not in NOT_PAGES
    )


def sign_in_as(page, live_server, user) -> None:
    """Give the browser a session for the user, or none for a visitor."""
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )


def overflow(page) -> int:
    """Return how many pixels the page is wider than the window."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth"
        " - document.documentElement.clientWidth"
    )


def check_page(page, axe, url: str) -> list[str]:
    """Open one page and return what is wrong with it."""
    response = page.goto(url)
    problems = [] if response.status == 200 else [f"HTTP {response.status}"]
    # Let charts draw and page scripts finish their first request.
    page.wait_for_load_state("networkidle")
    wider = overflow(page)
    if wider > 1:
        problems.append(f"{wider}px wider than the window")
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in SERIOUS:
            problems.append(describe(violation))
    return problems


def test_every_page_at_laptop_and_tablet_width(page, axe, watch, live_server, world):
    users, args = world
    server = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if urlsplit(request.url).netloc in ("", server)
            else elsewhere.append(request.url)
        ),
    )
    findings, visited = [], 0
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name in pages_to_visit():
            for role in roles_for(name):
                sign_in_as(page, live_server, users.get(role))
                seen = len(watch.problems)
                url = reverse(name, args=args.get(name, []))
                problems = check_page(page, axe, url)
                problems += watch.problems[seen:]
                who = (role or "visitor").lower().replace(" ", "-")
                shot = OUT / width_name / f"{name.replace(':', '-')}-{who}.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=True)
                findings += [f"{width_name} {url} as {who}: {p}" for p in problems]
                visited += 1

    print(f"{visited} page views checked, {len(findings)} problems")
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    assert not findings, "\n".join(findings)


def test_the_urls_said_not_to_be_pages_are_all_in_the_matrix():
    assert NOT_PAGES <= set(MATRIX)
