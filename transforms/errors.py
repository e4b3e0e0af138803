"""Errors the transforms raise for input they cannot turn into rows."""
from cppcc.errors import CppccError


class PageParseError(CppccError):
    """A page cannot be parsed; `stage` names the step that rejected it."""

    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason
