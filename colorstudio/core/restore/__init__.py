"""Restoration of old prints before they are coloured: the damage mask and its fill
(``repair``).  Below ``core.colorize`` (the pipeline repairs, then colours), above
``core.inference`` (the detector is a network runner)."""
