"""Users in the role groups, for tests of pages behind the role matrix.

Import the fixtures you need into a test module, or call `give_roles` on a
user a fixture made.
"""

import pytest
from django.contrib.auth.models import Group

from leadscore_site.roles import ADMIN, MARKETER, SALES_MANAGER

ROLES = (MARKETER, SALES_MANAGER, ADMIN)


def give_roles(user, *roles: str):
    """Add the user to the role groups (made by the migration) and return it."""
    user.groups.add(*Group.objects.filter(name__in=roles))
    return user


def role_user(django_user_model, role: str | None):
    """Return a new user holding one role, or none when role is None."""
    name = (role or "no role").lower().replace(" ", "_")
    user = django_user_model.objects.create_user(name, password=f"pw-{name}-1")
    # Admins use the admin site for users, which asks for staff status.
    user.is_staff = role == ADMIN
    user.save(update_fields=["is_staff"])
    return give_roles(user, role) if role else user


@pytest.fixture
def marketer_only(django_user_model):
    return role_user(django_user_model, MARKETER)


@pytest.fixture
def sales_manager(django_user_model):
    return role_user(django_user_model, SALES_MANAGER)


@pytest.fixture
def site_admin(django_user_model):
    return role_user(django_user_model, ADMIN)


@pytest.fixture
def no_role_user(django_user_model):
    return role_user(django_user_model, None)
