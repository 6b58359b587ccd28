"""The one error type the dataset steps raise for problems a user can fix."""


class DatasetError(Exception):
    """A problem with the user's file or mapping, worded for the user."""
