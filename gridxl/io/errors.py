"""The error a clerk's file raises when it cannot be read: every bad cell, named, in one message."""
from __future__ import annotations

from gridxl.i18n import _

MAX_ERRORS_SHOWN = 20


class UserError(Exception):
    """A problem the user can fix (bad file, bad value); printed without a traceback."""


class InputError(ValueError):
    """A clerk's file cannot be read as scheme inputs; lists the bad cells (the first 20, then a count)."""

    def __init__(self, problems: list[str] | str, more: int = 0):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:MAX_ERRORS_SHOWN]
        self.more = more + len(self.problems) - len(shown)
        text = shown[0] if len(shown) == 1 else "\n  " + "\n  ".join(shown)
        more_text = _("… and {more} more").format(more=self.more)
        super().__init__(text + (f"\n  {more_text}" if self.more > 0 else ""))


class Problems:
    """Collects problems in order, keeping the text of the first ones only (a file may have a million)."""

    def __init__(self, keep: int = MAX_ERRORS_SHOWN):
        self.keep = keep
        self.texts: list[str] = []
        self.extra = 0

    def __len__(self):
        return len(self.texts) + self.extra

    @property
    def room(self) -> int:
        return max(0, self.keep - len(self.texts))

    def add(self, text: str):
        if self.room:
            self.texts.append(text)
        else:
            self.extra += 1

    def add_many(self, positions, make_text):
        """One problem at each of ``positions`` (an index array); text is made only for those shown."""
        shown = positions[: self.room]
        self.texts.extend(make_text(pos) for pos in shown)
        self.extra += len(positions) - len(shown)

    def raise_if_any(self):
        if len(self):
            raise InputError(self.texts, more=self.extra)
