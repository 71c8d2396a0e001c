"""The core's messages in the user's language, without the core reading any file.

The core runs in xlwings Lite (Pyodide), where gridxl.i18n and its catalogue are not loaded: there
messages stay in English.  Core modules mark their messages as the rest of gridxl does,
``_("{where}: expected {expected}").format(...)``, and :func:`gridxl.i18n.set_language` installs
its gettext here (:func:`install`), so the same catalogue translates them.  ``N_`` marks a text for
the catalogue where it is defined (FIELD_TYPES); :func:`gettext` translates it where it is shown.
"""
from __future__ import annotations

from typing import Callable

_translate: Callable[[str], str] | None = None


def install(translate: Callable[[str], str] | None) -> None:
    global _translate
    _translate = translate


def gettext(message: str) -> str:
    return message if _translate is None else _translate(message)


_ = gettext


def N_(message: str) -> str:
    """A text marked for the catalogue, translated later with :func:`gettext`."""
    return message
