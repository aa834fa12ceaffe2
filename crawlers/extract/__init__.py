"""Read title, price, currency, list price, SKU and availability from any product page.

Sources, most trusted first: schema.org data (JSON-LD, microdata, RDFa), OpenGraph and product
meta tags, state JSON embedded in scripts, then DOM heuristics around the main title and the
buy button. Each field records the method that found it. A field nothing vouches for is None.
"""

from __future__ import annotations

from crawlers.extract.product import Extraction, extract_product

__all__ = ["Extraction", "extract_product"]
