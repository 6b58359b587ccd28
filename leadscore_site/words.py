"""Small helpers for the sentences users read."""


def leads(n: int, verb: tuple[str, str] | None = None) -> str:
    """Return "1 lead" or "2,345 leads", followed by the verb's singular or
    plural form when given: leads(1, ("has", "have")) -> "1 lead has"."""
    text = f"{n:,} lead" if n == 1 else f"{n:,} leads"
    return text if verb is None else f"{text} {verb[0] if n == 1 else verb[1]}"


HAVE = ("has", "have")
