"""The demo shop's catalogue, deterministic from a seed, and how it changes from day to day.

Everything the shop shows is derived here, so that tests can compare what ShopWatch found with
what the shop really changed (``changes``) and how it really ranked (``search``).

Over 300 lines on purpose: the catalogue and its day-to-day changes must agree with what the
tests expect, so they stay in one place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

OWN_SHOP = "智享家官方旗舰店"
OWN_BRAND = "智享"
PAGE_SIZE = 20
AD_SLOTS = (1, 8)  # 1-based slots on a page that hold ads, on pages 1 and 2

SHOPS = {
    "zhixiang": (OWN_SHOP, OWN_BRAND),
    "dreame": ("追觅官方旗舰店", "追觅"),
    "roborock": ("石头科技旗舰店", "石头"),
    "ecovacs": ("科沃斯官方旗舰店", "科沃斯"),
    "xiaomi": ("小米官方旗舰店", "米家"),
    "narwal": ("云鲸官方旗舰店", "云鲸"),
    "dyson": ("戴森官方旗舰店", "戴森"),
    "midea": ("美的智能家居旗舰店", "美的"),
    "philips": ("飞利浦家居旗舰店", "飞利浦"),
    "deli": ("德施曼智能锁旗舰店", "德施曼"),
    "tmallgenie": ("天猫精灵官方旗舰店", "天猫精灵"),
}

# category noun -> (shops that sell it, price range in yuan, attributes, modifiers)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[int, int], tuple[str, ...], tuple[str, ...]]] = {
    "扫地机器人": (
        ("zhixiang", "dreame", "roborock", "ecovacs", "xiaomi", "narwal"),
        (999, 5999),
        ("扫拖一体", "自动集尘", "自清洁", "激光导航", "5000Pa大吸力", "避障", "热水洗拖布"),
        ("家用", "全自动", "智能", "超薄", "静音"),
    ),
    "空气净化器": (
        ("zhixiang", "xiaomi", "dyson", "philips", "midea"),
        (599, 4999),
        ("除甲醛", "除菌", "除过敏原", "负离子", "CADR500", "宠物除毛"),
        ("家用", "卧室", "客厅", "智能", "静音"),
    ),
    "加湿器": (
        ("zhixiang", "xiaomi", "midea", "philips", "dyson"),
        (99, 2999),
        ("无雾", "5L大容量", "除菌", "恒湿", "上加水", "纯净型"),
        ("卧室", "家用", "办公室", "静音", "母婴"),
    ),
    "智能门锁": (
        ("zhixiang", "xiaomi", "deli", "midea"),
        (799, 3999),
        ("指纹锁", "人脸识别", "可视猫眼", "全自动", "C级锁芯", "密码锁"),
        ("家用", "防盗门", "电子锁", "智能"),
    ),
    "智能音箱": (
        ("zhixiang", "xiaomi", "tmallgenie"),
        (89, 1299),
        ("蓝牙", "语音控制", "带屏", "WiFi", "智能家居中控", "儿童"),
        ("小爱同学", "AI", "智能", "家用"),
    ),
    "智能插座": (
        ("zhixiang", "xiaomi", "midea", "tmallgenie"),
        (39, 199),
        ("定时", "电量统计", "WiFi", "远程控制", "16A"),
        ("智能", "家用", "语音"),
    ),
    "无线吸尘器": (
        ("zhixiang", "dreame", "dyson", "xiaomi", "roborock"),
        (699, 4999),
        ("大吸力", "除螨", "4000mAh长续航", "轻量化", "洗地"),
        ("家用", "手持", "无线", "宠物"),
    ),
}
SERIES = ("X", "S", "T", "P", "V", "L", "Pro")


@dataclass(frozen=True)
class ProductState:
    """One product as the shop shows it on one day."""

    id: str
    shop_key: str
    category: str
    title: str
    price: Decimal
    list_price: Decimal
    sales: int
    rating: Decimal
    reviews: int
    in_stock: bool
    model: str = ""
    features: tuple[str, ...] = ()  # what the product page's spec table lists under 功能

    @property
    def shop(self) -> str:
        return SHOPS[self.shop_key][0]

    @property
    def brand(self) -> str:
        return SHOPS[self.shop_key][1]

    @property
    def is_own(self) -> bool:
        return self.shop_key == "zhixiang"


@dataclass(frozen=True)
class Change:
    """A change the shop made on a day: the ground truth that ShopWatch should report."""

    kind: str  # price_move, stock_out, back_in_stock, sales_drop, new_entrant, title_change
    product_id: str
    before: str | None
    after: str | None


def _yuan(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("1"), ROUND_HALF_UP) - Decimal("0.10")


def _unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for the given parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _make_product(rng: random.Random, pid: str, category: str, shop_key: str) -> ProductState:
    _shops, (low, high), attributes, modifiers = CATEGORIES[category]
    brand = SHOPS[shop_key][1]
    model = f"{rng.choice(SERIES)}{rng.randint(1, 20)}{rng.choice(['', ' Pro', ' Max', ' Plus'])}"
    lead, modifier = rng.sample(modifiers, 2)
    picked = rng.sample(attributes, 2)
    words = [*picked, modifier, category]
    # the spec table lists one feature more than the title (chosen without drawing from rng:
    # the catalogue and its changes stay the same)
    rest = [a for a in attributes if a not in picked]
    features = (*picked, rest[int(_unit(pid, "feature") * len(rest))])
    if rng.random() < 0.4:
        words.insert(0, lead)
    title = f"{brand}{model} {' '.join(words)}"
    price = _yuan(math.exp(rng.uniform(math.log(low), math.log(high))))
    markup = rng.choice([1.0, 1.0, 1.1, 1.2, 1.3])
    list_price = max(price, _yuan(float(price) * markup))
    sales = int(math.exp(rng.uniform(math.log(20), math.log(20000))))
    rating = Decimal(str(round(rng.uniform(4.1, 5.0), 1)))
    reviews = int(sales * rng.uniform(0.5, 6))
    return ProductState(pid, shop_key, category, title, price, list_price, sales, rating, reviews,
                        in_stock=rng.random() > 0.03, model=model, features=features)


MAX_SIZE = 14000  # products per category; ids stay below the new entrants' 200000+


@cache
def day_one(seed: int = 7, size: int = 50) -> tuple[ProductState, ...]:
    """The catalogue on day 1: ``size`` products per category (350 in all by default)."""
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"size must be 1..{MAX_SIZE} products per category")
    rng = random.Random(seed)
    products: list[ProductState] = []
    next_id = 100001
    for category, (shops, *_rest) in CATEGORIES.items():
        for i in range(size):
            shop_key = shops[0] if i < 8 else rng.choice(shops[1:])
            products.append(_make_product(rng, str(next_id), category, shop_key))
            next_id += 1
    return tuple(products)


def _evolve(products: tuple[ProductState, ...], seed: int, day: int) -> tuple[
        tuple[ProductState, ...], tuple[Change, ...]]:
    rng = random.Random(seed * 1000 + day)
    out: list[ProductState] = []
    changes: list[Change] = []
    for product in products:
        new = product
        roll = rng.random()
        if not product.is_own and roll < 0.10:
            factor = rng.choice([0.75, 0.8, 0.85, 0.9, 1.08, 1.12, 1.15])
            new = dataclasses.replace(new, price=_yuan(float(product.price) * factor))
            changes.append(Change("price_move", product.id, str(product.price), str(new.price)))
        elif not product.is_own and roll < 0.16:
            # a small move that must not raise an alert at the default 5 % threshold
            new = dataclasses.replace(new, price=_yuan(float(product.price) * 1.02))
            changes.append(Change("price_noise", product.id, str(product.price), str(new.price)))
        if product.in_stock and rng.random() < 0.05:
            new = dataclasses.replace(new, in_stock=False)
            changes.append(Change("stock_out", product.id, "in stock", "out of stock"))
        elif not product.in_stock and rng.random() < 0.5:
            new = dataclasses.replace(new, in_stock=True)
            changes.append(Change("back_in_stock", product.id, "out of stock", "in stock"))
        if product.is_own and rng.random() < 0.35:
            new = dataclasses.replace(new, sales=max(1, product.sales // 8))
            changes.append(Change("sales_drop", product.id, str(product.sales), str(new.sales)))
        if not product.is_own and rng.random() < 0.01:
            new = dataclasses.replace(new, title=new.title + " 新款")
            changes.append(Change("title_change", product.id, product.title, new.title))
        out.append(new)
    # a new competitor listing enters with strong sales in one category
    category = list(CATEGORIES)[(day - 2) % len(CATEGORIES)]
    entrant = _make_product(rng, str(200000 + day), category, CATEGORIES[category][0][1])
    entrant = dataclasses.replace(entrant, sales=60000, in_stock=True)
    out.append(entrant)
    changes.append(Change("new_entrant", entrant.id, None, entrant.title))
    return tuple(out), tuple(changes)


@cache
def catalogue(day: int, seed: int = 7, size: int = 50) -> tuple[ProductState, ...]:
    """The catalogue on ``day`` (1-based): day 1 evolved one day at a time."""
    if day <= 1:
        return day_one(seed, size)
    return _evolve(catalogue(day - 1, seed, size), seed, day)[0]


def changes(day: int, seed: int = 7, size: int = 50) -> tuple[Change, ...]:
    """What the shop changed between ``day - 1`` and ``day``."""
    if day <= 1:
        return ()
    return _evolve(catalogue(day - 1, seed, size), seed, day)[1]


@cache
def by_id(day: int, seed: int = 7, size: int = 50) -> dict[str, ProductState]:
    return {p.id: p for p in catalogue(day, seed, size)}


def matches(query: str, product: ProductState) -> bool:
    tokens = query.lower().split()
    title = product.title.lower()
    return bool(tokens) and all(token in title for token in tokens)


def _score(query: str, product: ProductState) -> float:
    early = 4.0 if query.split()[0] in product.title[:14] else 0.0
    return (math.log1p(product.sales) * 10 + float(product.rating) * 2 + early
            + 3 * _unit(query, product.id))


def search(query: str, day: int, seed: int = 7, size: int = 50) -> list[ProductState]:
    """Organic results, best first: relevance and sales decide."""
    hits = [p for p in catalogue(day, seed, size) if matches(query, p)]
    return sorted(hits, key=lambda p: (-_score(query, p), p.id))


def advertisers(query: str, day: int, seed: int = 7, size: int = 50) -> list[ProductState]:
    """Up to four competitor listings that bid on ``query``, in bid order."""
    hits = [p for p in catalogue(day, seed, size) if matches(query, p) and not p.is_own]
    return sorted(hits, key=lambda p: _unit("ad", query, p.id))[:4]


@dataclass(frozen=True)
class Slot:
    product: ProductState
    position: int  # absolute, 1-based, over all pages
    organic_position: int | None
    page: int
    sponsored: bool


def result_page(query: str, page: int, day: int, seed: int = 7,
                size: int = 50) -> tuple[list[Slot], bool]:
    """The slots of one search result page and whether a next page exists."""
    organic = search(query, day, seed, size)
    ads = advertisers(query, day, seed, size)
    page_ads = ads[(page - 1) * 2 : page * 2] if page <= 2 else []
    start = (page - 1) * PAGE_SIZE
    chunk = organic[start : start + PAGE_SIZE]
    previous = sum(len(_ads_on(ads, p)) + len(organic[(p - 1) * PAGE_SIZE : p * PAGE_SIZE])
                   for p in range(1, page))
    slots: list[Slot] = []
    queue = list(chunk)
    ad_queue = list(page_ads)
    organic_index = start
    while queue or ad_queue:
        position = previous + len(slots) + 1
        if ad_queue and (len(slots) + 1 in AD_SLOTS or not queue):
            slots.append(Slot(ad_queue.pop(0), position, None, page, True))
        else:
            organic_index += 1
            slots.append(Slot(queue.pop(0), position, organic_index, page, False))
    return slots, start + PAGE_SIZE < len(organic)


def _ads_on(ads: list[ProductState], page: int) -> list[ProductState]:
    return ads[(page - 1) * 2 : page * 2] if page <= 2 else []


def suggestions(prefix: str, day: int = 1, seed: int = 7, limit: int = 10,
                size: int = 50) -> list[str]:
    """Search suggestions for a prefix, as platforms do: popular queries that extend it."""
    prefix = prefix.strip()
    if not prefix:
        return []
    counts: dict[str, int] = {}
    for product in catalogue(day, seed, size):
        words = [w for w in product.title.split()[1:] if w != product.category and not w.isascii()]
        for word in words:
            category = product.category
            for phrase in (category, f"{category} {word}", f"{word} {category}"):
                if phrase.startswith(prefix) and phrase != prefix:
                    counts[phrase] = counts.get(phrase, 0) + product.sales
    return [p for p, _c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]


def shop_products(shop_key: str, day: int, seed: int = 7, size: int = 50) -> list[ProductState]:
    return list(_by_shop(day, seed, size).get(shop_key, ()))


@cache
def _by_shop(day: int, seed: int, size: int) -> dict[str, tuple[ProductState, ...]]:
    shops: dict[str, list[ProductState]] = {}
    for product in catalogue(day, seed, size):
        shops.setdefault(product.shop_key, []).append(product)
    return {key: tuple(products) for key, products in shops.items()}
