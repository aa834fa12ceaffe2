"""crawlers.pagetext.text: what a page's visible text is, on small pages and a real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from parsel import Selector

from crawlers.pagetext.decode import decode
from crawlers.pagetext.text import headings_text, title_text, visible_blocks, visible_text


def page(body: str, head: str = "<title>Shop</title>") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(("body", "text"), [
    ("<p>Hello</p><script>var x = function() {};</script><p>world</p>", "Hello world"),
    ("<style>p { color: red }</style><p>Red</p>", "Red"),
    ("<noscript>Enable JavaScript</noscript><p>Shop</p>", "Shop"),
    ("<template><p>Sold out</p></template><p>In stock</p>", "In stock"),
    ("<svg><title>icon</title><text>cart</text></svg>Basket", "Basket"),
    ("<iframe>frame fallback</iframe>Page", "Page"),
    ("<div>Add to cart</div><div>In stock</div>", "Add to cart In stock"),
    ("<button>Add to cart</button>In stock", "Add to cart In stock"),
    ("<li>One</li><li>Two</li>", "One Two"),
    ("<table><tr><td>Price</td><td>12</td></tr></table>", "Price 12"),
    ("First<br>Second<hr>Third", "First Second Third"),
    ("<span>Add to cart</span><span>In stock</span>", "Add to cart In stock"),
    ("<span>Sort by:</span><span>Featured</span>", "Sort by: Featured"),
    ('<span class="whole">12<span class="dot">.</span></span><span>99</span>', "12.99"),
    ("<em>¥</em><i>32.10</i>", "¥32.10"),
    ("<b>有</b>货", "有 货"),
    ("  Lots \n\t of   <b> space </b>\u00a0here  ", "Lots of space here"),
    ("<p hidden>Out of stock</p><p>In stock</p>", "In stock"),
    ('<p style="display: none">Out of stock</p><p style="visibility:hidden">x</p>ok', "ok"),
    ('<span aria-hidden="true">$5.00</span>', "$5.00"),
    ("a<!-- a comment -->b", "a b"),
    ("before<script>x</script>after", "before after"),
    ("", ""),
])
def test_visible_text(body: str, text: str) -> None:
    assert visible_text(page(body)) == text
    assert visible_text(Selector(text=page(body))) == text


def test_title_and_head_are_not_body_text() -> None:
    doc = Selector(text=page("<h1>Phone X</h1><p>Body</p>",
                             "<title> Phone X | Shop </title><meta name='x' content='y'>"))
    assert visible_text(doc) == "Phone X Body"
    assert title_text(doc) == "Phone X | Shop"


def test_an_element_alone() -> None:
    doc = Selector(text=page('<div class="card"><h2>Mug</h2><span>$5</span><script>s</script>'
                             "</div>tail"))
    assert visible_text(doc.css("div.card")[0]) == "Mug $5"
    assert visible_blocks(doc) == ["Mug", "$5", "tail"]


def test_headings() -> None:
    doc = Selector(text=page("<h1>Robot <b>check</b></h1><p>x</p><h2>Sorry</h2><h4>no</h4>"
                             "<div hidden><h3>hidden</h3></div><h3><h2>inner</h2></h3>"))
    assert headings_text(doc) == "Robot check Sorry inner"
    assert headings_text("<p>none</p>") == ""
    assert title_text("<p>none</p>") == ""


def test_not_html() -> None:
    assert visible_text(Selector(text='{"a": 1}', type="json")) == ""


def _amazon_page() -> Path:
    root = Path(os.environ.get("SHOPWATCH_REALPAGES")
                or Path(__file__).resolve().parents[1].parent / "shared" / "realpages")
    return root / "amazon_search_wayback" / "20211209170342_amazon-gaming-monitor.html"


def test_real_amazon_search_page() -> None:
    path = _amazon_page()
    if not path.exists():
        pytest.skip(f"{path} absent: set SHOPWATCH_REALPAGES to the realpages folder")
    doc = Selector(text=decode(path.read_bytes())[0])
    text = visible_text(doc)
    for script_text in ("function(", "window.", "P.when(", "{display:", "ue_csm"):
        assert script_text not in text
    assert "Samsung 27-Inch LC27RG50FQNXZA Curved Gaming Monitor" in text
    assert '1-48 of over 4,000 results for "Gaming Monitor"' in text
    assert title_text(doc) == "Amazon.ca : Gaming Monitor"
