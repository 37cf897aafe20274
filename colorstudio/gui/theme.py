"""Light/dark look that follows the system, and palette-coloured qtawesome icons.

Qt 6.5+ reports the system colour scheme; where the platform gives no dark palette of
its own (many Linux desktops) a dark Fusion palette is applied here.  Icons are drawn
in the palette's text colour, so they stay visible in both schemes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the window background is dark (whatever made it so)."""
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def system_wants_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme and scheme() == Qt.ColorScheme.Dark)


def dark_palette() -> QPalette:
    p = QPalette()
    role, grp = QPalette.ColorRole, QPalette.ColorGroup
    base, window, text = QColor(30, 31, 34), QColor(43, 45, 48), QColor(223, 225, 229)
    for r, c in [(role.Window, window), (role.WindowText, text), (role.Base, base),
                 (role.AlternateBase, window), (role.ToolTipBase, QColor(60, 63, 66)),
                 (role.ToolTipText, text), (role.Text, text), (role.Button, QColor(55, 57, 61)),
                 (role.ButtonText, text), (role.BrightText, QColor(255, 90, 90)),
                 (role.Link, QColor(110, 170, 255)), (role.Highlight, QColor(53, 116, 240)),
                 (role.HighlightedText, QColor(255, 255, 255)),
                 (role.PlaceholderText, QColor(140, 143, 148)), (role.Mid, QColor(70, 72, 76)),
                 (role.Dark, QColor(25, 25, 27)), (role.Light, QColor(80, 82, 86))]:
        p.setColor(r, c)
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(grp.Disabled, r, QColor(120, 122, 126))
    return p


def apply_theme(app: QApplication) -> None:
    """Fusion style everywhere (consistent widgets), dark palette when the system is dark."""
    app.setStyle("Fusion")
    _sync_palette(app)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda *_: _sync_palette(app))


def _sync_palette(app: QApplication) -> None:
    if system_wants_dark():
        if not is_dark(app.style().standardPalette()):
            app.setPalette(dark_palette())
        else:
            app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(app.style().standardPalette())


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """qtawesome icon ``name`` (e.g. 'mdi6.folder-open') in the palette's text colour.

    Returns an empty icon (never raises) when qtawesome or the glyph is missing: a
    missing icon must not stop the window from opening.
    """
    try:
        import qtawesome as qta

        pal = QGuiApplication.palette()
        fg = QColor(color) if color is not None else pal.color(QPalette.ColorRole.ButtonText)
        off = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        return qta.icon(name, color=fg, color_disabled=off)
    except Exception as exc:  # noqa: BLE001
        log.debug("icon %s unavailable: %s", name, exc)
        return QIcon()
