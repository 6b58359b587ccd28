class TrainingError(Exception):
    """A reason a model cannot be trained or used, worded for the user."""
