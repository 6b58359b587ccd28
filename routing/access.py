"""Who may open which routing page.

The rule for every URL lives in leadscore_site/access.py, which the access
middleware applies to each request; `admin_required` checks the same rule
again in the view, so an admin page stays closed even if the middleware is
ever left out of MIDDLEWARE.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from leadscore_site.access import allows, rule_for


def is_routing_admin(user) -> bool:
    """Return whether the user may change tiers, rules and webhooks."""
    return user.is_active and user.has_perm("leadscore_site.manage_routing")


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse the view with a 403 unless the user passes its URL's rule."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        rule = rule_for(request.resolver_match.view_name)
        if rule is None or rule.kind != "capability" or not allows(rule, request.user):
            raise PermissionDenied("Only an admin may open this page.")
        return view(request, *args, **kwargs)

    return checked
