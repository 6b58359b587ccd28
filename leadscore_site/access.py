"""Who may open which URL: one matrix of URL name to rule, checked for every
request by AccessMiddleware.

A URL whose name is not in the matrix is refused to everyone, so a new page
stays closed until its line is added here (tests/test_access_matrix.py fails
while one is missing).
"""

import logging
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """What a request needs: nothing, a role, one capability, or a token scope."""

    kind: str  # "public", "any_role", "capability", "token" or "admin_site"
    need: str = ""


PUBLIC = Rule("public")
# Signed in and holding at least one capability: a user in no group yet sees
# only a page saying to ask an admin for a role.
ANY_ROLE = Rule("any_role")
# The admin site checks staff status and model permissions itself.
ADMIN_SITE = Rule("admin_site")


def can(capability: str) -> Rule:
    return Rule("capability", capability)


def token(scope: str) -> Rule:
    return Rule("token", scope)


MATRIX: dict[str, Rule] = {
    "login": PUBLIC,
    "logout": PUBLIC,
    "health": PUBLIC,
    "home": ANY_ROLE,
    # datasets: the marketer's upload and column mapping
    **{
        f"datasets:{name}": can("prepare_data")
        for name in (
            "upload",
            "sample",
            "preview",
            "reread",
            "mapping",
            "combine",
            "combine-keys",
            "uncombine",
        )
    },
    # modeling
    "modeling:train": can("train_models"),
    "modeling:run": can("train_models"),
    "modeling:run-status": can("train_models"),
    "modeling:run-cancel": can("train_models"),
    "modeling:version": can("view_models"),
    # retraining, comparison, model health, audit log (issue 6), as proposed
    # in modeling/urls.py's ACCESS
    "modeling:comparison": can("view_models"),
    "modeling:retraining": can("manage_schedule"),
    "modeling:schedule": can("manage_schedule"),
    "modeling:retrain-now": can("manage_schedule"),
    "modeling:promote": can("promote_models"),
    "modeling:rescore-all": can("promote_models"),
    "modeling:health": can("view_leads"),
    "modeling:check-drift": can("view_leads"),
    "modeling:audit": can("manage_routing"),
    # routing: the sales managers' pages
    "routing:leads": can("view_leads"),
    "routing:lead": can("view_leads"),
    # Claiming a lead means calling it: sales work, like recording its outcome.
    "routing:claim": can("record_outcomes"),
    "routing:queue": can("view_leads"),
    "routing:outcome": can("record_outcomes"),
    "routing:outcomes": can("record_outcomes"),
    "routing:score-one": can("score_leads"),
    "routing:upload": can("score_leads"),
    "routing:run": can("score_leads"),
    "routing:run-status": can("score_leads"),
    "routing:export": can("export_leads"),
    "routing:run-download": can("export_leads"),
    "routing:outcome-history": can("export_leads"),
    # routing: admins' pages
    "routing:tiers": can("manage_routing"),
    "routing:rules": can("manage_routing"),
    "routing:rule-toggle": can("manage_routing"),
    "routing:deliveries": can("manage_routing"),
    "routing:resend": can("manage_routing"),
    "routing:tokens": can("manage_tokens"),
    "routing:revoke": can("manage_tokens"),
    # the scoring API: a token, never a session
    "api-score": token("scoring"),
    "api-model": token("scoring"),
    "api-lead": token("scoring"),
    "api-lead-by-id": token("scoring"),
    "api-outcome": token("scoring"),
    "api-lead-by-id-outcome": token("scoring"),
    # the admin API: deliveries and model versions, for an ops integration
    "api-deliveries": token("admin"),
    "api-delivery-resend": token("admin"),
    "api-models": token("admin"),
    "api-model-activate": token("admin"),
    # Both describe the endpoints only (no lead, no model), for integrators
    # who have a token but no login.
    "api-schema": PUBLIC,
    "api-docs": PUBLIC,
    # No endpoint is behind it: it says in JSON that the path is unknown.
    "api-not-found": PUBLIC,
}

# URL sets of installed libraries, matched by the start of their names.
PREFIXES: dict[str, Rule] = {
    "admin:": ADMIN_SITE,
    "django_rq:": can("view_workers"),
}


def rule_for(view_name: str) -> Rule | None:
    """Return the rule for a URL name, or None when it is in no list."""
    if view_name in MATRIX:
        return MATRIX[view_name]
    for prefix, rule in PREFIXES.items():
        if view_name.startswith(prefix):
            return rule
    return None


def allows(rule: Rule, user) -> bool:
    """Return whether a signed-in user passes a page's rule."""
    if rule.kind == "any_role":
        return user.is_superuser or any(
            perm.startswith("leadscore_site.") for perm in user.get_all_permissions()
        )
    if rule.kind == "capability":
        return user.has_perm(f"leadscore_site.{rule.need}")
    return rule.kind in ("public", "admin_site", "token")


class AccessMiddleware:
    """Check every resolved URL against the matrix before its view runs."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = request.resolver_match.view_name
        rule = rule_for(name)
        if rule is None:
            logger.error("URL %s is not in the access matrix; refused", name)
            raise PermissionDenied("This page is not open to anyone yet.")
        if rule == ADMIN_SITE and request.user.is_authenticated:
            # The admin site would show a signed-in non-staff user its own
            # login form; the plain 403 page says what happened instead.
            if not request.user.is_staff:
                raise PermissionDenied("Your role does not include this page.")
        if rule.kind in ("public", "admin_site", "token"):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not allows(rule, request.user):
            raise PermissionDenied("Your role does not include this page.")
        return None
