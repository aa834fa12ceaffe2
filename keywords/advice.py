"""Title advice per own product: what each product vouches for, gathered from the store, and
its honest suggestion (keywords.titles). Used by ``keywords titles`` and the exports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from config import Config
from db.models import CrawlRun, Keyword, Product, ProductAttribute, RankObservation, Site
from keywords.demand import Opportunity, demand_week, opportunities, reported
from keywords.library import Library, load_library, segmenter_for
from keywords.segment import Segmenter, normalise
from keywords.titles import Advice, Facts, compact, suggest


@dataclass(frozen=True)
class OwnProduct:
    group: str
    site: str
    product_id: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class ProductAdvice:
    product: OwnProduct
    advice: Advice
    attributes: list[str]  # what it vouches for beyond its title


RANKED_DAYS = 28  # a product belongs to the groups it ranked for in these last days


def own_products(session: Session, groups: Sequence[str], day: dt.date | None = None,
                 ) -> list[OwnProduct]:
    """Own products of the groups: configured for the group, or ranked for its keywords in
    the ``RANKED_DAYS`` up to ``day`` (default: the last crawled day)."""
    # the own products' observations by the (product_id, crawl_run_id) index, then their
    # keywords' groups: a join from keywords led the planners over every observation
    own = list(session.scalars(select(Product.id).where(Product.is_own)))
    last = day or session.scalar(select(func.max(CrawlRun.day)))
    seen: set[tuple[int, int]] = set()
    if own and last is not None:
        runs = select(CrawlRun.id).where(CrawlRun.day.between(
            last - dt.timedelta(days=RANKED_DAYS - 1), last))
        seen = {(keyword_id, product_id) for keyword_id, product_id in session.execute(
            select(RankObservation.keyword_id, RankObservation.product_id).distinct()
            .where(RankObservation.product_id.in_(own),
                   RankObservation.crawl_run_id.in_(runs)))}
    group_of = {kid: group for kid, group in session.execute(
        select(Keyword.id, Keyword.group).where(Keyword.group.in_(groups)))}
    pairs = {(group_of[kid], pid) for kid, pid in seen if kid in group_of}
    statement = (select(Product, Site.name).join(Site, Site.id == Product.site_id)
                 .where(Product.is_own, or_(Product.group.in_(groups),
                                            Product.id.in_({pid for _g, pid in pairs})))
                 .order_by(Site.name, Product.external_id))
    out = []
    for product, site in session.execute(statement):
        for group in groups:
            if product.title and (product.group == group or (group, product.id) in pairs):
                out.append(OwnProduct(group, site, product.external_id, product.title,
                                      product.url))
    return out


def product_nouns(config: Config, segmenter: Segmenter) -> dict[str, list[str]]:
    """Per group, the product nouns its search terms name: the last word of each term when it
    is a noun (Chinese noun phrases end with their head: 静音扫地机器人 -> 扫地机器人; 除甲醛 is
    a verb phrase, a feature, not a product)."""
    nouns: dict[str, list[str]] = {}
    for keyword in config.keywords:
        words = segmenter.segment(keyword.term)
        group = nouns.setdefault(keyword.group, [])
        if words and segmenter.tag(words[-1]).startswith("n") and words[-1] not in group:
            group.append(words[-1])
    return nouns


def attributes_of(session: Session) -> dict[tuple[str, str], list[str]]:
    """Per (site, product id): the values of its spec table and the operator's confirmed list
    (a spec row's name is kept with its value when the value alone says little: 容量 5L)."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    rows = session.execute(select(ProductAttribute.site, ProductAttribute.product_id,
                                  ProductAttribute.value)
                           .order_by(ProductAttribute.source, ProductAttribute.id))
    for site, product_id, value in rows:
        if value not in found[site, product_id]:  # 品牌 and schema.org's brand say it twice
            found[site, product_id].append(value)
    return found


def _brands(session: Session, config: Config, segmenter: Segmenter) -> set[str]:
    brands = {normalise(b).strip() for b in session.scalars(select(Product.brand).distinct())
              if b}
    brands |= {normalise(b).strip() for b in config.competitors.brands}
    brands |= {w for w, tag in segmenter.tokenizer.user_word_tag_tab.items() if tag == "nz"}
    return brands - {normalise(b).strip() for b in config.own.brands}


def advise(session: Session, config: Config, group: str | None = None,
           day: dt.date | None = None, segmenter: Segmenter | None = None,
           library: Library | None = None) -> tuple[Library, list[ProductAdvice]]:
    """The library of ``day``'s week and, per own product of its groups, the advice."""
    library = library or load_library(session, config, group, day)
    groups = sorted({t.group for t in library.terms})
    segmenter = segmenter or segmenter_for(config)
    nouns = product_nouns(config, segmenter)
    other_brands = sorted(_brands(session, config, segmenter))
    attributes = attributes_of(session)
    limits = {site.name: site.title_limit() for site in config.sites}
    extra = config.keyword_library.forbidden_words
    out = []
    for product in own_products(session, groups, day):
        terms = [t for t in library.terms if t.group == product.group and t.score > 0]
        own = nouns.get(product.group, [])
        others = sorted({n for g, ns in nouns.items() if g != product.group for n in ns}
                        - set(own))
        facts = Facts(product.title, attributes.get((product.site, product.product_id), []),
                      config.own.brands, own, others, other_brands,
                      config.keyword_library.synonyms)
        limit, unit = limits.get(product.site, (60, "bytes"))
        advice = suggest(facts, [t.term for t in terms], limit=limit, unit=unit,
                         segmenter=segmenter, scores={t.term: t.score for t in terms},
                         forbidden_extra=extra)
        out.append(ProductAdvice(product, advice, list(facts.attributes)))
    return library, out


def opportunity_view(session: Session, config: Config, group: str | None = None,
                     day: dt.date | None = None) -> tuple[dt.date | None, list[Opportunity]]:
    """The week's reported search phrases per group, those with high demand that few of the
    group's top-10 competitor titles use first (the week: ``day``'s, else the latest with
    imported demand)."""
    week = demand_week(session, day)
    if week is None:
        return None, []
    library = load_library(session, config, group, week)
    shares = {(t.group, compact(t.term)): t.top10_share for t in library.terms}
    segmenter = segmenter_for(config)
    group_terms: dict[str, list[str]] = defaultdict(list)
    for keyword in config.keywords:
        group_terms[keyword.group].append(keyword.term)
    for grp, nouns in product_nouns(config, segmenter).items():
        group_terms[grp] += nouns
    if group is not None:
        group_terms = defaultdict(list, {group: group_terms.get(group, [])})
    titles: dict[str, list[str]] = defaultdict(list)
    for product in own_products(session, sorted(group_terms), week + dt.timedelta(days=6)):
        titles[product.group].append(product.title)
    return week, opportunities(reported(session, week), shares, group_terms, titles)
