"""Who may open which routing page.

Admin-only pages check `is_staff` here and nowhere else, so moving to the
Marketer / Sales manager / Admin groups is a change to this file.
"""

from django.contrib.auth.decorators import user_passes_test


def is_routing_admin(user) -> bool:
    return user.is_active and user.is_staff


admin_required = user_passes_test(is_routing_admin)
