"""Refuse an oversized upload while it arrives, before it reaches the disk."""

import io
import logging

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

logger = logging.getLogger(__name__)


class RefusedUpload(UploadedFile):
    """Stands in for a file too large to keep: its size, and no content.

    Forms see its size and say plainly that the file is over the limit.
    """

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(io.BytesIO(b""), name, content_type, size)


class SizeLimitUploadHandler(FileUploadHandler):
    """The first upload handler: it counts each file's bytes and stops passing
    them on to Django's own handlers (memory, then a temporary file) once
    they pass UPLOAD_MAX_BYTES, so an oversized file is never stored whole.
    """

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        # The whole request's length: a file alone cannot be larger.
        self.request_length = content_length or 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0
        self.over = self.request_length > settings.UPLOAD_MAX_BYTES + 1024 * 1024

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.seen += len(raw_data)
        self.over = self.over or self.seen > settings.UPLOAD_MAX_BYTES
        return None if self.over else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over:
            return None  # the next handler holds the file
        size = max(self.seen, self.request_length)
        logger.info("Upload %s refused while arriving: %s bytes", self.file_name, size)
        return RefusedUpload(self.file_name, size, self.content_type)
