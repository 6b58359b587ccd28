from datetime import UTC, datetime

from leadscore_site.templatetags.leadscore import chance, when


def test_a_chance_never_reads_as_the_tier_above():
    assert chance(0.298) == "29%"
    assert chance(0.29) == "29%"
    assert chance(0.7) == "70%"
    assert chance(0.6999) == "69%"
    assert chance(None) == "—"


def test_a_moment_is_a_time_element_the_browser_can_localise(settings):
    settings.TIME_ZONE = "UTC"
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

    assert when(moment) == (
        '<time datetime="2026-03-01T23:30:00+00:00">1 Mar 2026, 23:30 UTC</time>'
    )
    assert when(None) == "—"


def test_counts_of_leads_agree_with_their_verb():
    from leadscore_site.words import HAVE, leads

    assert leads(1, HAVE) == "1 lead has"
    assert leads(2_345, HAVE) == "2,345 leads have"
    assert leads(0) == "0 leads"
