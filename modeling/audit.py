"""The audit log: who changed tiers, routing rules, models and users, and why.

Changes made through any page or the admin site are caught by model signals;
the middleware tells the signals which signed-in person made them.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

_actor: ContextVar[object | None] = ContextVar("audit_actor", default=None)

# Fields whose change is not worth an entry (a login, a token's last use).
IGNORED_USER_FIELDS = {"last_login"}


class AuditUserMiddleware:
    """Remember the request's user so audit entries say who acted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        token = _actor.set(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


def record(
    subject: str,
    action: str,
    summary: str,
    *,
    object_id: object = "",
    user=None,
    actor_label: str = "",
    reason: str = "",
    details: dict | None = None,
):
    """Store one audit entry; the acting user defaults to the request's."""
    from modeling.models import AuditEntry

    actor = user if user is not None else _actor.get()
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    entry = AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label or ("" if actor else "system"),
        subject=subject,
        action=action,
        object_id=str(object_id or ""),
        summary=summary[:300],
        reason=reason,
        details=details or {},
    )
    logger.info("Audit %s: %s %s %s", entry.pk, subject, action, object_id)
    return entry


@receiver(post_save, sender="routing.Tier")
def _tier_saved(sender, instance, created: bool, **kwargs) -> None:
    record(
        "tier",
        "created" if created else "changed",
        f"Tier {instance.name}: from {instance.min_probability:.0%} up",
        object_id=instance.pk,
        details={
            "name": instance.name,
            "min_probability": instance.min_probability,
            "follow_up": instance.follow_up,
        },
    )


@receiver(post_delete, sender="routing.Tier")
def _tier_deleted(sender, instance, **kwargs) -> None:
    record("tier", "deleted", f"Tier {instance.name} deleted", object_id=instance.pk)


@receiver(post_save, sender="routing.RoutingRule")
def _rule_saved(sender, instance, created: bool, **kwargs) -> None:
    state = "on" if instance.is_active else "off"
    record(
        "rule",
        "created" if created else "changed",
        f"Rule {instance} ({state})",
        object_id=instance.pk,
        details={
            "tier": str(instance.tier),
            "kind": instance.kind,
            "is_active": instance.is_active,
        },
    )


@receiver(post_delete, sender="routing.RoutingRule")
def _rule_deleted(sender, instance, **kwargs) -> None:
    record("rule", "deleted", f"Rule {instance} deleted", object_id=instance.pk)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _user_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= IGNORED_USER_FIELDS:
        return
    roles = (
        "admin" if instance.is_superuser else "staff" if instance.is_staff else "user"
    )
    state = "active" if instance.is_active else "deactivated"
    record(
        "user",
        "created" if created else "changed",
        f"User {instance.get_username()} ({roles}, {state})",
        object_id=instance.pk,
        details={
            "is_staff": instance.is_staff,
            "is_superuser": instance.is_superuser,
            "is_active": instance.is_active,
        },
    )


@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def _user_deleted(sender, instance, **kwargs) -> None:
    record(
        "user",
        "deleted",
        f"User {instance.get_username()} deleted",
        object_id=instance.pk,
    )


def _roles_changed(
    sender, instance, action: str, reverse: bool, pk_set=None, **kwargs
) -> None:
    # A role is a group: joining or leaving one changes what a user may do.
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from django.contrib.auth.models import Group

    verb = {"post_add": "given", "post_remove": "removed from", "post_clear": "cleared"}
    if reverse:  # group.user_set.add(...): the instance is the group
        users = get_user_model().objects.filter(pk__in=pk_set or ())
        pairs = [(user, [instance.name]) for user in users]
    else:
        groups = Group.objects.filter(pk__in=pk_set or ())
        pairs = [(instance, sorted(group.name for group in groups))]
    for user, names in pairs:
        record(
            "user",
            "roles",
            f"User {user.get_username()}: {verb[action]} "
            f"{', '.join(names) or 'every role'}",
            object_id=user.pk,
            details={"groups": names},
        )


m2m_changed.connect(
    _roles_changed,
    sender=get_user_model().groups.through,
    dispatch_uid="audit-user-roles",
)
