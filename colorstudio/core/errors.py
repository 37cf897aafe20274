"""The one base of every error meant for the user.

A ``UserError``'s message is one line that says what went wrong and what to do; the CLI
prints it and exits 2, the trainer too, the GUI shows it in a dialog -- each catches this
class, not a list.  Each concrete error keeps the builtin base its callers know
(``ValueError``, ``OSError``, ``KeyError`` ...), so older ``except`` clauses still hold.
"""


class UserError(Exception):
    """A mistake in the user's input, files or machine that the user can fix."""
