"""Names from the user's disk (run folders, file names, model cards) shown as plain text.

Qt guesses whether a tooltip or label is rich text; a run named
``<h1 style=color:red>HUGE`` would render as a red headline.  Tooltips go through
:func:`tooltip` (escaped, inside a paragraph that keeps line breaks); labels that show
such names are made PlainText by :func:`plain_label`.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def tooltip(text: str) -> str:
    """Rich text that shows ``text`` literally, its line breaks kept."""
    return "<p style='white-space:pre-wrap'>" + escape(str(text)) + "</p>" if text else ""


def plain_label(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
