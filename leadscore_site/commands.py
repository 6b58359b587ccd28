"""A base for Leadscore's management commands: plain text by default, one
JSON object with --json, and a failure as one `error:` line and exit code 2."""

import json
import logging
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from datasets.errors import DatasetError
from modeling.errors import TrainingError

logger = logging.getLogger(__name__)

EXIT_USER_ERROR = 2


class LeadscoreCommand(BaseCommand):
    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = self.run(**options)
        except (DatasetError, TrainingError, CommandError) as error:
            self.fail(str(error), as_json=options["json"])
        except Exception as error:  # a bug: the traceback only at debug level
            logger.debug("%s failed", self.__class__.__module__, exc_info=True)
            self.fail(
                f"it failed on our side ({type(error).__name__}: {error}); run "
                "again with LOG_LEVEL=DEBUG for the details",
                as_json=options["json"],
            )
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
        else:
            self.stdout.write(self.as_text(result))

    def run(self, **options: Any) -> dict:
        raise NotImplementedError

    def as_text(self, result: dict) -> str:
        raise NotImplementedError

    def fail(self, message: str, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
        else:
            self.stderr.write(f"error: {message}")
        sys.exit(EXIT_USER_ERROR)
