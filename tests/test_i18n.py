"""The catalogs (config/locale) against the code, and config.i18n's API in both languages."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import DictLoader, Environment

from config import ConfigError, i18n, parse_config
from tests.support import config_dict, site_block, write_config

ROOT = Path(__file__).resolve().parents[1]
# the keywords `make messages` passes to pybabel extract, beside Babel's defaults
KEYWORDS = {"N_": None, "N_plural": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def _catalog(language: str) -> Catalog:
    path = i18n.LOCALE_DIR / i18n.locale_dir_name(language) / "LC_MESSAGES" / "shopwatch.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=i18n.locale_dir_name(language))


def _forms(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _extracted() -> set[str]:
    """The msgids `make messages` extracts from the code and templates (same babel.cfg)."""
    from babel.messages.extract import DEFAULT_KEYWORDS

    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    skip = {"tests", "bench", "build", "demo-out"}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords,
            directory_filter=lambda path: not (Path(path).name in skip
                                               or Path(path).name.startswith((".", "_")))):
        found.add(_forms(message)[0])
    return found


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    messages = [m for m in catalog if m.id]
    assert messages
    untranslated = [m.id for m in messages if not all(_forms(m.string)) or m.fuzzy]
    assert not untranslated, f"{language}: no translation for {untranslated}"
    for message in messages:  # the same placeholders, so that % never fails at run time
        for msgid, text in zip(_forms(message.id), _forms(message.string) * 2, strict=False):
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), (
                f"{language}: {msgid!r} -> {text!r}")


def test_both_catalogs_hold_the_messages_of_the_code() -> None:
    ids = {lang: {_forms(m.id)[0] for m in _catalog(lang) if m.id} for lang in i18n.LANGUAGES}
    assert ids["zh-CN"] == ids["en"]
    missing = _extracted() - ids["en"]
    assert not missing, f"messages in the code with no catalog entry (run `make messages`): " \
                        f"{sorted(missing)}"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_compiled_catalog_matches_its_po(language: str) -> None:
    po = _catalog(language)
    mo_path = i18n.LOCALE_DIR / i18n.locale_dir_name(language) / "LC_MESSAGES" / "shopwatch.mo"
    with mo_path.open("rb") as handle:
        mo = read_mo(handle)
    compiled = {_forms(m.id)[0]: _forms(m.string) for m in mo if m.id}
    source = {_forms(m.id)[0]: _forms(m.string) for m in po if m.id}
    assert compiled == source, "the .mo is stale: run `make messages`"


def test_the_compiled_catalogs_ship_with_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["config"]
    for language in i18n.LANGUAGES:
        path = f"locale/{i18n.locale_dir_name(language)}/LC_MESSAGES/shopwatch.mo"
        assert any(Path(path).match(pattern) for pattern in patterns), (path, patterns)


def test_text_in_each_language() -> None:
    assert i18n.gettext("zh-CN", "Rank drops") == "排名下降"
    assert i18n.gettext("en", "Rank drops") == "Rank drops"
    plural = ("%(n)d rank drop", "%(n)d rank drops")
    assert i18n.ngettext("en", *plural, 1) % {"n": 1} == "1 rank drop"
    assert i18n.ngettext("en", *plural, 3) % {"n": 3} == "3 rank drops"
    assert i18n.ngettext("zh-CN", *plural, 3) % {"n": 3} == "排名下降 3 个"
    assert i18n.gettext("zh-CN", "a message no catalog has") == "a message no catalog has"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.translations("fr")


def test_dates_numbers_and_money_by_locale() -> None:
    day = dt.date(2026, 12, 2)
    assert i18n.format_date("zh-CN", day) == "2026年12月2日"
    assert i18n.format_date("en", day) == "Dec 2, 2026"
    assert i18n.format_currency("zh-CN", Decimal("1299.5"), "CNY") == "¥1,299.50"
    assert i18n.format_currency("en", Decimal("1299.5"), "CNY") == "CN¥1,299.50"
    assert i18n.format_currency("en", Decimal("19.99"), "USD") == "$19.99"
    assert i18n.format_percent("zh-CN", 0.253) == "25%"
    assert i18n.format_percent("en", -0.0514, digits=1) == "-5.1%"
    assert i18n.format_number("en", 12345.678, digits=1) == "12,345.7"
    assert i18n.format_number("zh-CN", 3) == "3"


def test_a_jinja_environment_speaks_the_language() -> None:
    source = ('{{ _("Rank drops") }}: {{ ngettext("%(num)d rank drop", "%(num)d rank drops", n) }}'
              " {{ day|date }} {{ price|currency('CNY') }} {{ share|percent }}")
    rendered = {}
    for language in i18n.LANGUAGES:
        env = i18n.install(Environment(loader=DictLoader({"t": source}), autoescape=True),
                           language)
        rendered[language] = env.get_template("t").render(
            n=2, day=dt.date(2026, 12, 2), price=Decimal("99"), share=0.5)
    assert rendered["en"] == "Rank drops: 2 rank drops Dec 2, 2026 CN¥99.00 50%"
    assert rendered["zh-CN"].startswith("排名下降: ")
    assert "2026年12月2日 ¥99.00 50%" in rendered["zh-CN"]


def _config(**top: Any) -> dict[str, Any]:
    """A minimal config as TOML data."""
    return config_dict(None, site_block(), **top)


def test_language_setting() -> None:
    assert parse_config(_config()).language == "en"  # existing configs keep English
    assert parse_config(_config(language="zh-CN")).language == "zh-CN"
    with pytest.raises(ConfigError, match=r"(?m)^  language: .*'zh-CN' or 'en'"):
        parse_config(_config(language="zh"))
    example = tomllib.loads((ROOT / "config" / "example.toml").read_text("utf-8"))
    assert example["language"] == "zh-CN"  # what `shopwatch init` writes


def test_the_digest_in_chinese_links_to_the_board(tmp_path: Path) -> None:
    """A zh-CN config's digest, through `notify` (written as .eml without an SMTP host)."""
    import email
    import email.policy

    from db.models import Product, Site
    from db.session import session_scope, upgrade
    from monitor.notify.send import notify
    from monitor.rules import AlertDraft
    from monitor.runner import store

    day, db_url = dt.date(2026, 11, 25), f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(db_url)
    with session_scope(db_url) as session:
        site = Site(name="demo", adapter="demoshop", base_url=site_block()["base_url"])
        session.add(site)
        session.flush()
        session.add(Product(site_id=site.id, external_id="1", title="智享扫地机器人 X1"))
        store(session, [
            AlertDraft(day, "stock_out", "critical", "demo", "“智享扫地机器人 X1” is out of stock",
                       "in stock", "out of stock", "1"),
            AlertDraft(day, "rank_drop", "warning", "demo", "“智享扫地机器人 X1” dropped 6 places",
                       "#3", "#9", "1", "扫地 机器人"),
            AlertDraft(day, "price_move", "info", "demo", "“智享扫地机器人 X1” price raised 6.0%",
                       "1000.00 CNY", "1060.00 CNY", "1")])
    path = write_config(tmp_path / "shopwatch.toml", config_dict(
        db_url, site_block(), export_dir=str(tmp_path), language="zh-CN",
        board={"url": "http://board.local:8000/"}))
    from config import load_config

    files = notify(load_config(path), day, []).files
    message = email.message_from_bytes(files["digest_eml"].read_bytes(),
                                       policy=email.policy.default)
    assert str(message["Subject"]) == ("ShopWatch 2026-11-25：缺货 1 个，排名下降 1 个，"
                                       "价格变动 1 个")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "== 缺货 (1) ==" in text and "== 排名下降 (1) ==" in text
    assert "[严重] demo: “智享扫地机器人 X1”缺货  (有货 -> 缺货)" in text
    assert "“智享扫地机器人 X1”在“扫地 机器人”的排名从 #3 降至 #9" in text
    assert "[提示] demo: “智享扫地机器人 X1”价格从 ¥1,000.00 变为 ¥1,060.00\n" in text
    assert "看板： http://board.local:8000/?date=2026-11-25" in text
    assert '<html lang="zh-CN">' in html and "2026年11月25日" in html
    assert 'href="http://board.local:8000/ranks/%E6%89%AB%E5%9C%B0%20%E6%9C%BA%E5%99%A8%E4%BA%BA"' \
        in html  # the keyword's rank page
    assert 'href="http://board.local:8000/products/demo/1"' in html
    # `shopwatch report` speaks the same language
    from monitor.cli import main

    out = tmp_path / "report.html"
    assert main(["report", "--config", str(path), "--date", "2026-11-25", "--out",
                 str(out)]) == 0
    report = out.read_text("utf-8")
    assert '<html lang="zh-CN">' in report and "2026年11月25日" in report
    assert "“智享扫地机器人 X1”在“扫地 机器人”的排名从 #3 降至 #9" in report


def test_charts_draw_chinese_names_with_a_cjk_font() -> None:
    """With Debian's fonts-noto-cjk (``make chromium``) a chart titled with a Chinese product
    name draws every glyph (matplotlib warns of a glyph it has to draw as a box)."""
    import warnings

    from monitor.notify import charts

    if charts.cjk_family() is None:
        pytest.skip("no CJK font installed (make chromium installs fonts-noto-cjk)")
    series = [(dt.date(2026, 11, d), float(d)) for d in range(20, 26)]
    title = charts._titled(i18n.gettext("zh-CN", "price"), "智享扫地机器人 X1 旗舰版")
    assert title == "智享扫地机器人 X1 旗舰版 · 价格"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" fails the test
        assert charts.png(series, title).startswith(b"\x89PNG")


def test_make_messages_gives_new_english_messages_their_text(tmp_path: Path) -> None:
    """`make messages` (python -m config.i18n) fills the English catalog and lists what the
    Chinese one lacks."""

    from babel.messages.catalog import Message
    from babel.messages.pofile import write_po

    for language in i18n.LANGUAGES:
        name = i18n.locale_dir_name(language)
        catalog = _catalog(language)
        catalog[("%(n)d new thing", "%(n)d new things")] = Message(
            ("%(n)d new thing", "%(n)d new things"), ("",) * (2 if language == "en" else 1))
        catalog["A new message"] = Message("A new message", "")
        target = tmp_path / name / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "shopwatch.po").open("wb") as handle:
            write_po(handle, catalog)
    assert i18n.fill_english(tmp_path) == 2
    assert i18n.untranslated("en", tmp_path) == []
    assert sorted(i18n.untranslated("zh-CN", tmp_path)) == ["%(n)d new thing", "A new message"]
    with (tmp_path / "en" / "LC_MESSAGES" / "shopwatch.po").open("rb") as handle:
        english = read_po(handle, locale="en")
    assert english["A new message"].string == "A new message"
    assert english[("%(n)d new thing", "%(n)d new things")].string == (
        "%(n)d new thing", "%(n)d new things")
    assert i18n.fill_english(tmp_path) == 0
