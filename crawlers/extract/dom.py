"""DOM heuristics for pages without structured data: the price beside the main title and the
buy button (not a related product's), struck-through list prices, SKU labels, stock text.

Over 300 lines on purpose: one heuristic extractor whose rules are ordered by priority; split,
the order would be spread over files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from parsel import Selector, SelectorList

from crawlers.pagetext.currency import currency_marks
from crawlers.pagetext.price import parse_price
from crawlers.pagetext.stock import StockState, read_stock
from crawlers.pagetext.text import title_text, visible_text

PRICE_HINT = re.compile(r"price|preis|prix|precio|prezzo|cena|цена|价|kaina|hinta|pris",
                        re.I)
LIST_HINT = re.compile(r"old|was|strike|list|regular|compare|original|rrp|uvp|msrp|before|"
                       r"crossed|former|statt|alt|reference|ref-price|pvp|higher|barred|"
                       r"full-?price", re.I)
NOT_PRICE_TEXT = re.compile(r"(?:excl|ex\.|ohne|without|brez|bez|sans|sin|senza|netto|net)\b.{0,12}"
                            r"(?:vat|mwst|ust|tax|ddv|dph|tva|iva|btw)|\b(?:ht|netto)\b|"
                            r"(?:vat|mwst|tax|ddv|tva|iva|btw)\s*(?:excl|excluded|exkl)", re.I)
NOT_PRICE_HINT = re.compile(r"shipping|delivery|versand|installment|monthly|per-unit|unit-?price|"
                            r"grundpreis|rating|review|saving|you-?save|discount|coupon|"
                            r"filter|range|price-?slider|total|subtotal|cart|basket|minicart", re.I)
ASIDE_HINT = re.compile(r"(?<![a-z])(?<!no-)(?:related|recommend\w*|similar|carousel|upsell|"
                        r"cross-?sell|recently|also-?(?:bought|viewed|like)\w*|footer|nav|navbar|"
                        r"navigation|menu|megamenu|bundle|accessor\w*|sponsor\w*|suggest\w*|"
                        r"slider|swiper|breadcrumbs?)(?![a-z])", re.I)
PRICE_SHAPED = re.compile(r"\d[.,]\d{2}(?!\d)")  # "5499.00", "19,90": cents, not a count
LABELS = (r"SKU|ASIN|(?:\w+\s)?Item\s*(?:#|No\.?|number)|Art(?:ikel)?\.?\s*-?\s*Nr\.?|"
          r"Artikelnummer|Numero oggetto|Numéro de l'objet|Número de artículo|Артикул|"
          r"Код(?:\s+товара)?|Product\s*(?:code|ID|#)|Post\s*id|"
          r"Réf(?:érence)?\.?|Referencia|Código|Codice|货号|商品编号|商品編號|型番|קוד מוצר|מק\"ט|"
          r"Šifra(?:\s+artikla)?|Sifra|Cod(?:ul)?\s+produs(?:ului)?|Kod\s+produktu|Kód\s+produktu|"
          r"Cikkszám|Varenummer|Varenr\.?|Tuotenumero|Ürün\s+kodu|Mã\s+sản\s+phẩm|"
          r"Cat(?:alog(?:ue)?)?\.?\s*(?:No\.?|number)|"
          r"Model\s*(?:#|No\.?|number)")
SKU_LABEL = re.compile(rf"(?<!\w)({LABELS})\s*[:：#]?\s*([A-Z0-9][A-Z0-9._/-]{{2,30}})(?![\w])",
                       re.I)


@dataclass(frozen=True)
class PriceCandidate:
    amount: Decimal
    currency: str | None
    text: str
    order: int  # document order of the element
    struck: bool
    score: float
    net: bool = False  # labelled as without VAT


def _attrs(node: Selector) -> str:
    attributes = node.attrib
    return " ".join(str(attributes.get(k, "")) for k in ("class", "id", "itemprop", "data-test",
                                                         "data-testid", "data-qa", "name"))


# Up to 12 containers; not <body>/<html>, whose classes describe the page's state ("hidden-menu").
ANCESTORS = "ancestor::*[position() <= 12][not(self::body or self::html)]"


def _ancestry(node: Selector) -> str:
    return " ".join(" ".join((a.attrib.get("class", ""), a.attrib.get("id", "")))
                    for a in node.xpath(ANCESTORS))


def _text(node: Selector) -> str:
    return visible_text(node)


def main_title(doc: Selector) -> Selector | None:
    """The page's main heading; a logo in an h1 (a link home, a "logo" class) is not one, and
    a heading of the navigation or a sidebar only where no other h1 is left."""
    kept: list[Selector] = []
    for heading in doc.xpath("//h1[normalize-space()]"):
        hints = " ".join(heading.xpath("./@id | ./@class | .//*/@class | .//*/@id").getall())
        if "logo" in hints.lower() or heading.xpath(".//a[@href='/' or @href='//' or "
                                                    "substring(@href, string-length(@href)) = '/'"
                                                    " and string-length(@href) < 30]"):
            continue
        if not ASIDE_HINT.search(f"{hints} {_ancestry(heading)}"):
            return heading
        kept.append(heading)
    return kept[0] if kept else None


def page_title(doc: Selector) -> str | None:
    """<title> without the site's name after the last separator ("Phone X - Shop" -> "Phone X")."""
    title = title_text(doc)
    for separator in (" | ", " - ", " – ", " — ", "-", "_", "|"):
        head, found, tail = title.rpartition(separator)
        if found and len(tail) <= 25 and len(head) >= 8:
            return head.strip()
    return title or None


def _position(doc: Selector) -> dict[object, int]:
    """Document order of every element (keyed by the element: keeps lxml's proxies alive)."""
    return {element: index for index, element in enumerate(doc.root.iter())}


PRICE_WORD = re.compile(r"price|preis|prix|precio|prezzo|cena|цена|价格|價格|售价|售價|特价|特價|"
                        r"优惠价|到手价|券后价", re.I)


def _parent_text(node: Selector) -> str:
    parent = node.xpath("..")
    return _text(parent[0]) if parent else ""


def _labelled_price(node: Selector) -> bool:
    """A bare number whose short parent says "price" and names a currency ("特價 294 元")."""
    own = " ".join(node.xpath("text()").getall()).strip()
    if not re.fullmatch(r"[\d.,\s]+", own or "x"):
        return False
    context = _parent_text(node)
    return len(context) <= 40 and bool(PRICE_WORD.search(context) and currency_marks(context))


AMOUNT = re.compile(r"\d[\d.,\s]*\d|\d")


def _several_amounts(text: str) -> bool:
    """'Buy 5 for 699 each, was 5,400, save 1,905': a sentence of several amounts (its parts,
    where they are elements, are candidates of their own); unsure as a whole."""
    amounts = {a.strip() for a in AMOUNT.findall(text)}
    return len(amounts) > 2 or (len(amounts) == 2 and len(currency_marks(text)) >= 2)


def _net_of_tax(node: Selector) -> bool:
    """A price under its own short label saying it is net of VAT ("Brez DDV: 36.53€")."""
    context = _parent_text(node)
    return (len(context) <= 60 and not _several_amounts(context)
            and bool(NOT_PRICE_TEXT.search(context)))


SLIDER = re.compile(r"slider|swiper|carousel", re.I)


def _aside(node: Selector) -> tuple[object | None, bool]:
    """The outermost enclosing related-products list, carousel, navigation or footer (within
    12 levels), and whether it is surely about other products. A slider or carousel may be the
    product's own gallery: it counts as other products' only where it holds several prices."""
    for ancestor in node.xpath(ANCESTORS):  # outermost first
        hints = " ".join((ancestor.attrib.get("class", ""), ancestor.attrib.get("id", "")))
        words = {m.group() for m in ASIDE_HINT.finditer(hints)}
        if words:
            element: object = ancestor.root
            # a slider's list item with a link of its own is a product card, not a gallery
            card = bool(node.xpath("ancestor::li[.//a[@href]]")) and bool(
                ancestor.xpath(".//li[.//a[@href]]"))
            return element, card or not all(SLIDER.fullmatch(word) for word in words)
    return None, False


def _shape(node: Selector) -> str:
    """Tag and class of the element and its two parents: the same for every card of a list."""
    path = node.xpath("ancestor-or-self::*[position() <= 3]")
    return "/".join(f"{p.root.tag}.{p.attrib.get('class', '')}" for p in path)


def price_candidates(doc: Selector, separator: str | None,
                     country: str | None = None) -> list[PriceCandidate]:
    """Elements whose class/id/itemprop says price, with their parsed amounts, scored."""
    order = _position(doc)
    title = main_title(doc)
    title_at = order.get(title.root, 0) if title is not None else 0
    found: list[tuple[PriceCandidate, tuple[object | None, bool], str]] = []
    nodes: SelectorList[Selector] = doc.xpath(
        "//body//*[not(self::script or self::style or self::option or self::input)]")
    for node in nodes:
        hints = _attrs(node)
        if NOT_PRICE_HINT.search(hints) or not (PRICE_HINT.search(hints) or _labelled_price(node)):
            continue
        text = _text(node)
        if (not text or len(text) > 40 or not re.search(r"\d", text)
                or NOT_PRICE_TEXT.search(text) or _several_amounts(text)):
            continue
        parsed = parse_price(text, country=country, decimal_separator=separator)
        amount, currency = (parsed.amount, parsed.currency) if parsed else (None, None)
        if amount is None or amount <= 0:
            continue
        mark = bool(currency_marks(text))
        if not (mark or "itemprop" in node.attrib
                or PRICE_SHAPED.search(text) or _labelled_price(node)):
            continue  # a bare count near "price" (a quantity, a page number) is not a price
        at = order.get(node.root, 0)
        struck = bool(LIST_HINT.search(hints) or node.xpath(
            "ancestor-or-self::*[self::del or self::s or self::strike]"))
        score = 10.0 - min(abs(at - title_at), 3000) / 300
        score += 3 if mark else 0
        score += 2 if "itemprop" in node.attrib else 0
        candidate = PriceCandidate(amount, currency, text, at, struck, score, _net_of_tax(node))
        found.append((candidate, _aside(node), _shape(node)))
    return _penalise_lists(found)


def _penalise_lists(found: list[tuple[PriceCandidate, tuple[object | None, bool], str]]
                    ) -> list[PriceCandidate]:
    """Other products' prices: several different prices inside one carousel / related list /
    footer, or in cards of one repeated shape. A slider that shows only one price (the
    product's own image slider) is not a list of other products."""
    by_aside: dict[object, set[Decimal]] = {}
    by_shape: dict[str, set[Decimal]] = {}
    for candidate, (aside, _sure), shape in found:
        if not candidate.struck:
            by_aside.setdefault(aside, set()).add(candidate.amount)
            by_shape.setdefault(shape, set()).add(candidate.amount)
    scored = []
    for candidate, (aside, sure), shape in found:
        several = len(by_aside.get(aside, ())) >= 2
        penalty = 6 if aside is not None and (sure or several) else 0
        penalty = max(penalty, 4 if len(by_shape.get(shape, ())) >= 3 else 0)
        scored.append(replace(candidate, score=candidate.score - penalty))
    return scored


MIN_SCORE = 6.5  # below: far from the title or inside a list of other products: unsure


def best_prices(candidates: list[PriceCandidate]) -> tuple[PriceCandidate | None,
                                                         PriceCandidate | None]:
    """(price, list price): the best-scored unstruck price, and a struck one above it nearby."""
    live = sorted((c for c in candidates if not c.struck and c.score >= MIN_SCORE),
                  key=lambda c: -c.score)
    if not live:
        return None, None
    price = live[0]
    # nested elements repeat one price: prefer the lowest of the top group (sale over list)
    close = [c for c in live if c.score >= price.score - 0.5 and abs(c.order - price.order) < 40]
    # A net-of-VAT price printed after the gross one is small print; printed first (B2B
    # shops), it is the shop's headline price.
    if min(close, key=lambda c: c.order).net is False:
        close = [c for c in close if not c.net] or close
    price = min(close, key=lambda c: c.amount)
    struck = [c for c in candidates if c.struck and c.amount > price.amount
              and abs(c.order - price.order) < 80]
    return price, (max(struck, key=lambda c: c.score) if struck else None)


SKU_LABEL_ONLY = re.compile(rf"^\s*(?:{LABELS})\s*[:：#.]?\s*$", re.I)
CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{2,30}$", re.I)
SKU_INPUTS = ("sku", "asin", "productid", "product_id", "product-id", "itemid", "item_id")


def _label_rank(label: str) -> int:
    """Which label to believe first: a shop's own code (SKU, ASIN, Art.-Nr., item number)
    before a reference that may be the manufacturer's, before a model number (a product line).
    """
    lowered = label.lower().strip()
    if lowered.startswith("model"):
        return 2
    if lowered.startswith(("réf", "ref", "códig", "codic")):
        return 1
    return 0


CODE_HINT = re.compile(r"(?:product|item|article|art)[-_]?(?:reference|ref|code|number|num|no|nr)"
                       r"(?![a-z])|(?<![a-z])(?:sku|reference)(?![a-z])|cat-?number|"
                       r"catalog(?:ue)?-?(?:number|no)(?![a-z])", re.I)


def _code_attrs(node: Selector) -> str:
    """The element's class, id, itemprop and data-* values ("data-qa-qualifier=product-ref")."""
    attributes = node.attrib
    return " ".join(str(v) for k, v in attributes.items()
                    if k in ("class", "id", "itemprop") or k.startswith("data-"))


def labelled_codes(doc: Selector) -> list[tuple[int, int, str]]:
    """Product codes written next to a label ("SKU: 123-45", "Art.-Nr. 4711") or in an element
    whose markup names it the product's reference, as (label rank, document order, code),
    best first."""
    found: list[tuple[int, int, str]] = []
    for index, node in enumerate(doc.xpath("//body//*[not(self::script or self::style)]")):
        text = " ".join(node.xpath("normalize-space(.)").getall())
        if not text or len(text) > 120 or ASIDE_HINT.search(_ancestry(node)):
            continue
        if (len(text) <= 30 and CODE.match(text) and re.search(r"\d", text)
                and not node.xpath("*") and CODE_HINT.search(_code_attrs(node))):
            found.append((0, index, text))
            continue
        if SKU_LABEL_ONLY.match(text):
            following = node.xpath("following-sibling::*[normalize-space()][1]")
            value = _text(following[0]) if following else ""
            if CODE.match(value) and re.search(r"\d", value):
                found.append((_label_rank(text.strip()), index, value))
            continue
        match = SKU_LABEL.search(text)
        if match and re.search(r"\d", match.group(2)):
            found.append((_label_rank(match.group(1)), index, match.group(2)))
    return sorted(found)


SCRIPT_SKU = re.compile(r'"sku"\s*:\s*"([A-Za-z0-9][A-Za-z0-9._/-]{2,40})"')


def sku_from_scripts(doc: Selector) -> str | None:
    """The one "sku" that the page's own scripts name (ignores pages naming several)."""
    values: set[str] = set()
    for script in doc.xpath("//script[not(contains(@type, 'ld+json'))]/text()").getall():
        values.update(SCRIPT_SKU.findall(script))
    return values.pop() if len(values) == 1 else None


def sku_from_inputs(doc: Selector) -> str | None:
    """A hidden form field that carries the product's code (name or id sku, ASIN, productId)."""
    for node in doc.xpath("//input[@type='hidden'][@value]"):
        name = str(node.attrib.get("name") or node.attrib.get("id") or "").lower()
        value = str(node.attrib.get("value", "")).strip()
        if name in SKU_INPUTS and CODE.match(value) and not ASIDE_HINT.search(_ancestry(node)):
            return value
    return None


HIDDEN = ("ancestor-or-self::*[@hidden or @aria-hidden='true' or "
          "contains(translate(@style, ' ', ''), 'display:none') or "
          "contains(concat(' ', @class, ' '), ' hidden ') or "
          "contains(concat(' ', @class, ' '), ' a-hidden ') or "
          "contains(concat(' ', @class, ' '), ' d-none ')]")


def _hidden(node: Selector) -> bool:
    """Hidden in the served HTML (inline style, hidden attribute, a utility class)."""
    return bool(node.xpath(HIDDEN))


def _buy_label(label: str) -> bool:
    """A buy button's label ("Add to cart", 加入购物车): it reads as in stock, and short."""
    return len(label) <= 40 and read_stock(label)[0] is StockState.IN_STOCK


def availability_from_page(doc: Selector) -> str | None:
    """OutOfStock when the buy area says so; InStock when an enabled buy button is there."""
    buttons = doc.xpath("//button | //input[@type='submit'] | //a[contains(@class, 'button') "
                        "or contains(@class, 'btn')]")
    for button in buttons:
        label = _text(button) or str(button.attrib.get("value", ""))
        if _buy_label(label) and not ASIDE_HINT.search(_ancestry(button)):
            disabled = "disabled" in button.attrib or "disabled" in button.attrib.get("class", "")
            return "OutOfStock" if disabled else "InStock"
    labels: list[tuple[str, bool]] = []
    for node in doc.xpath("//body//*[not(self::script or self::style or self::option)]"
                          "[text()[normalize-space()]]"):
        own = " ".join(" ".join(node.xpath("text()").getall()).split())
        if (own and len(own) < 60 and read_stock(own)[0] is StockState.OUT_OF_STOCK
                and not _hidden(node)):
            labels.append((own.lower(), not ASIDE_HINT.search(_ancestry(node))))
    # A stock label also printed in related-product lists is a list's label, not this product's.
    listed = {text for text, main in labels if not main}
    if any(main and text not in listed for text, main in labels):
        return "OutOfStock"
    return None
