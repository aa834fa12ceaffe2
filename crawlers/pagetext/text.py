"""A page's visible text: one definition for every parser and the blocks detector.

What counts as visible (a browser with JavaScript on, styles unknown):

- everything under the given element (for a whole document: the body; ``<head>`` is skipped);
- not the content of ``script``, ``style``, ``noscript``, ``template``, ``svg``, ``head``,
  ``title``, ``iframe``, ``canvas``, ``datalist``, nor of comments;
- not elements hidden for every reader: the ``hidden`` attribute, an inline style with
  ``display: none`` or ``visibility: hidden``. ``aria-hidden`` is kept: it hides from screen
  readers, not from eyes (shops put the visible price in it and a copy for screen readers
  beside it). Style sheets and classes are not evaluated;
- block elements (div, p, li, td, h1, br, button, …) end a block: words of adjacent blocks never
  glue ("Add to cart" + "In stock", not "cartIn"). A tag between two words keeps them apart
  too (spans side by side are usually laid out apart: "Sort by:" "Featured"); a tag next to
  other punctuation does not ("12" "." "99" stays "12.99", "¥" "32" stays "¥32");
- whitespace squashed: one space between words, none at the ends.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head", "title",
                     "iframe", "canvas", "datalist"})
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "button", "caption", "center",
    "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
    "input", "legend", "li", "main", "menu", "nav", "ol", "optgroup", "option", "output", "p",
    "pre", "section", "select", "summary", "table", "tbody", "td", "textarea", "tfoot", "th",
    "thead", "tr", "ul", "video", "audio", "object", "img"})
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
HEADINGS = "//*[self::h1 or self::h2 or self::h3][not(ancestor::h1 or ancestor::h2 " \
           "or ancestor::h3)]"
BLOCK_MARK, TAG_MARK = "\x1e", "\x1f"
# A tag after a word, or after punctuation that ends a label ("Sort by:", "50%"), and before a
# word: kept apart. Not after "." or "," (split prices: "12" "." "99", "1," "299").
GLUED = re.compile(rf"(?<=[\w:;!?%)]){TAG_MARK}+(?=\w)")


def _root(doc: Selector | str) -> etree._Element | None:
    root = (Selector(text=doc, type="html") if isinstance(doc, str) else doc).root
    return root if isinstance(root, etree._Element) else None


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def is_hidden(element: etree._Element) -> bool:
    """Skipped with its content: a non-text element, or hidden for every reader."""
    if _tag(element) in SKIPPED or element.get("hidden") is not None:
        return True
    style = element.get("style")
    return bool(style) and HIDDEN_STYLE.search(style) is not None


def _pieces(root: etree._Element) -> list[str]:
    """The visible text nodes in document order, with marks where blocks and tags fall."""
    pieces: list[str] = []
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, element in walk:
        if event in ("comment", "pi"):
            pieces.append(TAG_MARK + (element.tail or ""))
            continue
        mark = BLOCK_MARK if _tag(element) in BLOCKS else TAG_MARK
        if event == "start":
            pieces.append(mark)
            if is_hidden(element):
                walk.skip_subtree()
            elif element.text:
                pieces.append(element.text)
        else:
            pieces.append(mark)
            if element is not root and element.tail:
                pieces.append(element.tail)
    return pieces


def visible_blocks(doc: Selector | str) -> list[str]:
    """The visible text of each block, in document order, empty blocks left out."""
    root = _root(doc)
    if root is None or is_hidden(root):
        return []
    text = GLUED.sub(" ", "".join(_pieces(root))).replace(TAG_MARK, "")
    return [squashed for block in text.split(BLOCK_MARK) if (squashed := " ".join(block.split()))]


def visible_text(doc: Selector | str) -> str:
    """The visible text of a document or element (see the module's definition)."""
    return " ".join(visible_blocks(doc))


def title_text(doc: Selector | str) -> str:
    """The document's ``<title>`` (not an SVG's), whitespace squashed."""
    root = _root(doc)
    if root is None:
        return ""
    titles = root.xpath("//title[not(ancestor::svg)]")
    return " ".join("".join(titles[0].itertext()).split()) if titles else ""


def headings_text(doc: Selector | str) -> str:
    """The visible text of the h1-h3 headings, in document order, joined by spaces."""
    root = _root(doc)
    if root is None:
        return ""
    texts = []
    for heading in root.xpath(HEADINGS):
        if not any(is_hidden(a) for a in heading.iterancestors()):
            texts.append(visible_text(Selector(root=heading)))
    return " ".join(t for t in texts if t)
