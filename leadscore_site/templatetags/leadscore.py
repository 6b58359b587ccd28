"""Numbers as people read them on the pages."""

import math
from datetime import datetime

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

register = template.Library()


@register.filter
def chance(probability: float | None) -> str:
    """Return a probability as a whole percent, rounded down.

    Rounded down so the figure never crosses a tier's threshold: a lead at
    29.8% reads 29%, not a "30%" shown beside the tier below 30%.
    """
    if probability is None:
        return "—"
    # round() first: 0.29 * 100 is 28.999999999999996 in floating point.
    return f"{math.floor(round(probability * 100, 6))}%"


@register.filter
def when(moment: datetime | None) -> str:
    """Return a moment as a <time> element: the server's time zone in the
    page, turned into the reader's language and zone by static/leadscore.js."""
    if moment is None:
        return "—"
    shown = date_format(localtime(moment), "j M Y, H:i T")
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), shown)
