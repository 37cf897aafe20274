"""Package data: icons, styles, sample images, default weights and model cards.

Installed as ``colorstudio.resources`` (see pyproject's package-dir) so that
``importlib.resources`` finds it in a checkout, a wheel and a frozen build alike.
"""
