"""Spiders only schedule requests and hand responses to the site adapters' parsers."""
