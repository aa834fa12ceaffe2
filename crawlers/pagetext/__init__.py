"""What every parser reads from a page, one home per fact: its text (``decode``, ``text``),
its prices and their currency (``price``, ``currency``), its stock state (``stock``).

Pure functions of bytes and strings, site-independent: they know encodings, number formats,
currency symbols and stock wording in many languages, never a site.
"""
