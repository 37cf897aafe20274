"""The main window's tabs, one folder each: its page (the tab's widget, a
:class:`~colorstudio.gui.tabs.tab_page.TabPage` -- all the window knows of it), its jobs
(work that runs off the GUI thread) and the widgets only it uses.  Widgets more than one
tab uses live in ``colorstudio.gui.widgets``."""
