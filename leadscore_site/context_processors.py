from django.http import HttpRequest

STEPS = (
    ("upload", "Upload"),
    ("columns", "Check columns"),
    ("mapping", "Outcome and exclusions"),
    ("train", "Train"),
    ("review", "Review"),
    ("score", "Score leads"),
)


def steps(request: HttpRequest) -> dict:
    """Give every page the list of steps for the step indicator."""
    return {"step_list": STEPS}
