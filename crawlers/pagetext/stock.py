"""Stock wording, read once for every parser: a label, a sentence, a button or a schema.org
value becomes one of five states (in stock, out of stock, pre-order, backorder, unknown).

Why one module: four copies of these words used to disagree (one read "not available" as
*in* stock because it looked for substrings). Here the text is normalised first (case, width,
"out-of-stock" = "OutOfStock" = "out of stock", "isn't" = "is not", punctuation kept as clause
breaks), clauses about something else are dropped ("Image not available"), then a few tables
are tried in an order that lets the more specific reading win: a refused order ("not
available for pre-order": out), backorder, pre-order, "almost sold out" (in), out of stock
(sold-out words, a negation before or after an availability or stock word, "notify me when
..."), then in stock. A negation therefore always beats the in-stock word it negates. Words of
Latin, Cyrillic and Vietnamese script are matched whole; Chinese, Japanese, Korean and Thai
ones as substrings (no spaces there). The vocabulary is long because it is many languages; the
rules are the few regexes built from it below.

Over 300 lines on purpose: the word tables of many languages are most of it.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class StockState(StrEnum):
    """What a shopper can do now; pre-order and backorder are orderable but not in stock."""

    IN_STOCK = "in_stock"
    OUT_OF_STOCK = "out_of_stock"
    PREORDER = "preorder"
    BACKORDER = "backorder"
    UNKNOWN = "unknown"


def _words(*alternatives: str) -> str:
    """Whole words or phrases (Latin, Cyrillic, Vietnamese script)."""
    return r"\b(?:" + "|".join(alternatives) + r")\b"


def _any(*alternatives: str) -> str:
    """Substrings (CJK, Thai), where words are not separated by spaces."""
    return "(?:" + "|".join(alternatives) + ")"


# A verb's negation, negating an availability word or the stock ("not in stock", "no stock",
# "n'est plus disponible": "n" is French n'), with up to two words between.
NEG = _words("not", "no", "non", "none", "zero", "never", "nicht", r"kein\w*", "niet", "geen",
             "nie", "não", "nao", "pas", "ne", "n", "tidak", "tiada", "belum", "нет", "не",
             "inte", "ej", "ikke", "ingen", "není", "nejsou", "không", "chưa")
# A preposition's negation, only of the stock itself ("sin stock", "brak w magazynie").
NEG_NOUN = _words("without", "ohne", "bez", "brak", "sem", "sin", "senza", "sans", "hết",
                  "out of", "fuera de", "fora de", "hors de", "hors", "fuori")
# Negations that follow what they negate ("stokta yok", "stok habis", "재고 없음", "在庫なし").
NEG_AFTER = _any(_words("yok", "değil", r"(?:ke)?habis\w*", "kosong", "tiada", r"bulunm\w*"),
                 "없", "불가", "부족", "なし", "無し", "切れ", "ません", "ない", "不足")
# The product can be had now ("available", "auf Lager", "有货").
AVAIL = _any(_words(
    "available", r"in ?stock", "on hand", "verfügbar", "lieferbar", "vorrätig", "erhältlich",
    "lagernd", "bestellbar", "versandfertig", "auf lager", "am lager", "disponibles?",
    "en stock", "en existencia", "hay existencias", "hay stock", "voorradig",
    "disponibil[ei]", r"disponibilit[àa] immediata", "in magazzino", "disponíve(?:l|is)",
    "disponivel", "em estoque", "em stock", "pronta entrega", "op voorraad", "leverbaar",
    "beschikbaar", "verkrijgbaar", "dostępn[yae]", "dostepn[yae]", "w magazynie", "na stanie",
    "stokta", "mevcut", "satışta", "tükenmek üzere", "tersedia", "ada stok", "dalam stok",
    "в наличии", "наличии", "на складе", "в продаже", r"доступ(?:ен|на|но|ны)", "i lager",
    "på lager", "tillgänglig", "tilgjengelig", "tilgængelig", "skladem", "na skladě",
    "k dispozici", r"dostupn[éýáí]", "còn hàng", "có hàng", "có sẵn"),
    "有货", "有貨", "现货", "現貨", "有库存", "有庫存", "库存充足", "庫存充足", "库存紧张",
    "庫存緊張", "在售", "可配货", r"在庫が?あり", "在庫有", "在庫がございます", "在庫僅少",
    "残りわずか", "即納", r"재고\s?있", r"구매\s?가능", r"판매\s?중", "มีสินค้า", "มีสต็อก",
    "พร้อมส่ง")
# The stock itself: negated ("no stock", "brak towaru", "无库存") it is a stock-out.
STOCK = _any(_words("stock", r"stok\w*", r"stoğ\w*", r"lager\w*", "sortiment", "voorraad",
                    r"existencias?", "estoque", r"magazyn\w*", "na stanie", r"towar\w*",
                    "produktu", "unidades", r"склад\w*", "hàng"),
             "货源", "貨源", "库存", "庫存", "在庫", "现货", "現貨", "재고", "สต็อก")
SOLD_OUT = _any(_words(
    r"sold ?out", r"out ?of ?stock", "unavailable", "discontinued", "ausverkauft", "vergriffen",
    "épuisée?s?", "epuisee?", "rupture", "indisponibles?", "réapprovisionnement",
    r"agotad[oa]s?", r"esauri[tr][oia]", "uitverkocht", r"wyprzedan\w*", r"niedostępn[yae]",
    r"esgotad[oa]s?", "indisponíve(?:l|is)", "indisponivel", "tükendi", r"tükenmiş\w*",
    r"(?:ke)?habis\w*", r"распродан\w*", r"закончил\w*", "отсутствует", "ожидается",
    r"недоступ(?:ен|на|но|ны)", r"slutsål[dt]", "tillfälligt slut", "slut (?:i|på) lager",
    "udsolgt", "utsolgt", "utselgt", r"vyprodán[oa]?", r"nedostupn[éýáí]", "ngừng kinh doanh",
    "ngừng bán", "tạm hết", "victime de son succès", "oos", "satışa kapalı",
    r"снят\w* с продажи"),
    "无货", "無貨", "没货", "沒貨", "售罄", "售完", "售空", "卖完", "賣完", "完售", "一空",
    "抢光", "搶光", "下架", "下柜", "下櫃", "停售", "停产", "停產", "补货中", "補貨中",
    "即将到货", "即將到貨", "缺货", "缺貨", "不可售", "暂不销售", "売り?切", "品切", "完売",
    r"販売\S?(?:終了|休止)", r"入荷(?:待|お知らせ|通知)", "再入荷予定", "품절", "매진",
    r"입고\s?예정", r"판매\s?(?:종료|중지|중단)", r"구매\s?불가", "หมด", "ไม่มีสินค้า")
# "Notify me" buttons; "when it is back in stock" is matched by WHEN below.
NOTIFY = _any(_words(
    "notify me", "alert me", "email me", "e mail me", r"restock alerts?", r"benachrichtig\w*",
    "m avertir", "prévenez moi", "me prévenir", "avísame", "avvisami", "avise me", "me avise",
    "powiadom (?:mnie|o)",
    "haber ver", "ingatkan saya", r"beri ?tahu", "сообщить о поступлении", "bevaka",
    r"hlídat\w*", "mail mij", "wait ?list", "waiting list", "warteliste", "liste d attente",
    "lista de espera", "lista d attesa", "wachtlijst"),
    "到货通知", "到貨通知", "貨到通知", "到货提醒", "缺货登记", r"재입고\s?(?:알림|신청)")
WHEN = _words("when", "once", "as soon as", "wenn", "sobald", "quand", "dès que", "lorsque",
              "cuando", "en cuanto", "quando", "non appena", "zodra", "wanneer", "gdy", "kiedy",
              "jak tylko", "olduğunda", "gelince", "girince", "ketika", "apabila", "когда",
              "как только", "när", "når", "až", "khi")
AGAIN = _words("again", "back", "wieder", "de nouveau", "à nouveau", "de retour", "nuevamente",
               "de nuevo", "di nuovo", "novamente", "weer", "znowu", "ponownie", "tekrar",
               "kembali", "снова", "igen", "zase", "lại")
SOON = _words("soon", "shortly", "bald", "demnächst", "bientôt", "prochainement", "pronto",
              "presto", "a breve", "em breve", "binnenkort", "wkrótce", "yakında", "segera",
              "скоро", "snart", "brzy", "sớm")
PREORDER = re.compile(_any(_words(
    r"pre ?orders?", r"pre ?sale(?! (?:live )?(?:chat|service|support))", r"pre ?ordin[ea]\w*",
    r"pre ?venta", r"pr[ée] ?venda", r"pr[ée] ?commande", r"vorbestell\w*", "vorverkauf",
    "prevendita",
    r"voorbestel\w*", r"przedsprzeda\w*", "ön sipariş", r"pre ?pesan", r"предзаказ\w*",
    r"förbeställ\w*", r"forudbestil\w*", r"forhåndsbestill\w*", r"předprodej\w*",
    r"předobjedn\w*", "đặt trước", "coming soon", "available soon", "bald erhältlich",
    "demnächst (?:erhältlich|verfügbar)", "bientôt disponible", "disponible prochainement",
    "pr[óo]ximamente", "disponibile a breve", "prossimamente", "binnenkort verkrijgbaar",
    "binnenkort beschikbaar", r"wkrótce dostępn\w*", "yakında", "segera hadir",
    "скоро в продаже", "kommer snart", r"disponíve(?:l|is) em breve", "sắp ra mắt"),
    "预售", "預售", "预约", "預約", "预购", "預購", r"予約(?:受付|販売|商品|注文|購入|可|開始|中)",
    "近日発売", "発売予定", "即将上市", "即將上市", "即将开售", "即將開賣", "예약", r"출시\s?예정",
    "พรีออเดอร์", "สั่งจอง"))
# Delivery words and durations, for "ships within 2 days" (in stock) and "ships in 3 weeks".
SHIP = _words(r"ships?", "shipped", "shipping", r"dispatch\w*", r"deliver\w*", r"versand\w*",
              "versendet", r"liefer\w*", r"expédi\w*", r"livr\w*", r"envi\w*", "entrega",
              r"sped\w*", "consegna", r"verzend\w*", r"lever\w*", r"wysył\w*", "kargo",
              "dikirim", r"доставк\w*", r"отправ\w*", "leverans", "skickas", r"expedi\w*")
DAYS = (r"\d+(?:(?: [^\W\d_]{1,3})? \d+)? ?(?:business |working )?" + _any(
    r"days?", r"hours?", "hrs", "h", r"tage?n?", r"werktage?n?", r"jours?", r"d[ií]as?",
    "giorni", "dagen", "dni", r"godzin\w*", "gün", "hari", r"дн\w*", r"час\w*", "dagar", "dage",
    "dny") + r"\b")
TODAY = _words("today", "tomorrow", "heute", "morgen", "aujourd hui", "demain", "hoy", "mañana",
               "oggi", "domani", "vandaag", "dzisiaj", "jutro", "bugün", "yarın", "hari ini",
               "besok", "сегодня", "завтра", "idag", "i dag", "i morgon", "dnes", "zítra")
LATER = _words(r"weeks?", "wochen", r"semaines?", r"semanas?", "settimane", "weken",
               r"tygodn\w*", "hafta", "minggu", r"недел\w*", "veckor", "uger", "uker", r"týdn\w*",
               r"months?", r"monate?n?", "mois", "meses", "mesi", "maanden", r"miesi\w*",
               "bulan", r"месяц\w*", "månader", "måneder", r"měsíc\w*")
# Orderable now, delivered when it comes in: a later date, weeks away, "order now and ...".
BACKORDER = re.compile(_any(_words(
    r"back ?orders?", r"back ?ordered", "auf bestellung", "bestellartikel", "sur commande",
    "bajo pedido", "sobre pedido", "por encargo", "su ordinazione", "op bestelling",
    r"na zamówienie", "sob encomenda", "por encomenda", "siparişe özel", "под заказ",
    r"på beställning", "beställningsvara", "på bestilling", "skaffevare", "na objednávku",
    r"in stock (?:on|from|after)", r"(?:lieferbar|verfügbar|auf lager) ab(?! lager)"),
    rf"{SHIP}(?: [^\W\d_]+| \.){{0,4}} {WHEN}(?: [^\W\d_]+){{0,4}} (?:{AVAIL}|{STOCK})",
    rf"{SHIP}(?:[^.]|\. (?=\d)){{0,30}}?\d+ {LATER}",
    "お取り?寄せ", r"取り?寄せ?(?:商品|品|中|可能|になります)", "入荷次第", "预订", "预定",
    "預訂", "采购中", "採購中", "调货", "調貨"))

_NO = _words("no", "none", "nein", "non", "nee", "nie", "não", "нет", "hayır", "tidak", "nej")
_GAP = r"(?: [^\W\d_]+){0,2}"  # up to two words: no number, no clause break
OUT = re.compile("|".join((
    SOLD_OUT, NOTIFY,
    rf"{NEG}{_GAP} (?:{AVAIL}|{STOCK})",
    rf"{NEG_NOUN}(?: [^\W\d_]+)? {STOCK}",
    rf"(?:{AVAIL}|{STOCK})(?: ?[^\W\d_ ]{{1,4}})? ?{NEG_AFTER}",
    _any("无", "無", "没有?", "沒有?", "暂无", "暫無", "缺", "不可", "无法", "無法", "暂不", "ไม่")
    + rf" ?(?:{STOCK}|{AVAIL}|购买|購買|销售|銷售)",
    r"(?:在庫|購入|注文|販売|取り?扱)\S{0,6}(?:ません|できない|不可)",
    r"(?:구매|주문)\S{0,2}\s?수\s?없", r"(?:^|\. )plus (?:disponibles?|en stock)",
    rf"(?:{AVAIL}|{STOCK}) \. {_NO}",
    rf"{WHEN}(?: [^\W\d_]+){{0,8}} (?:{AVAIL}|{STOCK})",
    rf"{AGAIN}[^.]*{SOON}|{SOON}[^.]*{AGAIN}",
)))
# A pre-order or backorder that is refused ("not available for pre-order", "お取り寄せできません").
_ORDER = r"(?:pre ?orders?|back ?orders?|под заказ|お?取り?寄せ|予約)"
_REFUSED = _any(NEG_AFTER, _words("not available", "unavailable", r"недоступ\w*"), "できません")
NO_ORDER = re.compile(rf"{NEG}{_GAP} (?:for )?{_ORDER}|{_ORDER} ?\S{{0,3}} ?{_REFUSED}")
# "Almost sold out" is still in stock: checked before the sold-out words.
NEARLY = re.compile(_any(
    _words("almost", "nearly", "fast", "bientôt", "casi", "quasi", "bijna", "prawie", "quase",
           "hampir", "почти", "nästan", "næsten", "nesten", "skoro") + f" (?:{SOLD_OUT})",
    _words("selling fast", "almost gone"), "即将售", "即將售"))
BUY = _any(_words(
    r"add to (?:cart|bag|basket|trolley)", "buy now", "buy it now", "ready to ship",
    r"(?:low|limited) stock", "in den (?:warenkorb|einkaufswagen)", "ajouter au panier",
    "añadir a la cesta", "agregar al carrito", "aggiungi al carrello", "в корзину", "купить",
    "do koszyka", "kup teraz", "in winkelwagen", "toevoegen aan winkelwagen",
    "lägg i varukorgen", "læg i kurv", "legg i handlekurv", "adicionar ao carrinho",
    "comprar agora", "sepete ekle", "hemen al", "masukkan keranjang", "tambah ke keranjang",
    "beli sekarang", "do košíku", "thêm vào giỏ hàng", "mua ngay", "jetzt kaufen",
    "comprar(?: ahora| agora)?", "acquista ora", "acheter maintenant", "nu kopen", "köp nu",
    "koupit", "satın al", "ready stock", "hemen teslim", r"(?:pocas|últimas) unidades",
    "few left"),
    "加入购物车", "加入購物車", "立即购买", "立即購買", "カートに入れる", "今すぐ購入",
    r"장바구니\s?담기", r"바로\s?구매", "구매하기", "購入する", "即日発送", "当日発送",
    r"\d+日以内に?(?:発送|出荷)", "หยิบใส่ตะกร้า")
IN = re.compile(rf"{AVAIL}|{BUY}|{SHIP}(?: [^\W\d_]+){{0,3}} (?:{DAYS}|{TODAY})")

# Dropped before reading: the availability of something else than the product (an image,
# chat, delivery, a payment plan, "6 colours"), of a shop's shelf ("unavailable for store
# pickup"), and search filters ("Include out of stock", "在庫切れを含む").
_ASIDE = _words(r"images?", r"prices?", r"photos?", r"pictures?", r"videos?", "preview", "chat",
                r"lists?", "bild", "fotos?", "immagine", "imagen", "imagem", r"zdjęci\w*",
                r"options?", r"opcj\w*", r"plans?", "financing", "delivery", "shipping", "frete",
                "envío", "envio", "livraison", r"promotions?", "trial", "information", "pago",
                "pagamento", "colou?rs", "cores", "colori")
_STORE = _words(r"(?:in )?stores?", r"pick ?up", "magasin", "negozio", "filiale", "abholung")
_INCLUDE = _words("include", "including", "inkl", "incl", "inclure", "incluir")
_INCLUDED = _any(_words(r"inclu[íi]dos?", "inclus"), "含む")
ASIDE_HINT = re.compile("|".join((_ASIDE, _STORE, _INCLUDE, _INCLUDED)))
_OUT_WORDS = rf"(?:{SOLD_OUT}|{NEG_NOUN}(?: [^\W\d_]+)? {STOCK}|{STOCK} ?{NEG_AFTER})"
ASIDE = re.compile(
    rf"{_ASIDE}(?: [^\W\d_]+)? (?:{NEG} )?(?:{AVAIL}|{SOLD_OUT})"
    rf"|(?:{NEG}(?: [^\W\d_]+)? (?:{AVAIL})|{SOLD_OUT})(?: [^\W\d_]+){{0,3}} {_STORE}"
    rf"|{_INCLUDE}(?: \.)? {_OUT_WORDS}"
    rf"|{_OUT_WORDS} ?を? ?{_INCLUDED}")

_N = r"(\d+)"
_UNIT = _words(r"items?", r"units?", r"pieces?", "pcs", "stk", "stück", "st", "szt", "ks", "adet",
               "buah", "sản phẩm", "шт", "pz", "pezzi", "unidades", "unités", r"exemplaires?")
_LEFT = _any(_words("left", "remaining"), AVAIL)
_ONLY = _words("only", "just", "nur noch", "noch", "solo", "sólo", "seulement", "plus que",
               "reste que", "tylko", "apenas", "nog", "quedan?", "restam?", "tersisa", "sisa",
               "kalan", "осталось", "kvar", "zbývá", "còn")
COUNT = re.compile(
    rf"{_N} (?:{_UNIT} )?{_LEFT}|{_ONLY} {_N}(?= \.|$| {_UNIT}| {_LEFT})"
    rf"|{_words('stock', 'stok', 'lager', 'skladem', 'остаток')}(?: \.)? {_N}\b"
    rf"|{_N} ?[件个個点개] ?(?:在庫|库存|庫存|现货|現貨|有货|有貨|남음)"
    rf"|(?:库存|庫存|仅剩|僅剩|只剩|剩余|剩餘|还剩|還剩|残り|在庫|재고|남은)(?: \.)? ?{_N}")


class _Breaks(dict[int, str]):
    """str.translate table: punctuation and symbols -> " . ", spaces and controls -> " "."""

    def __missing__(self, code: int) -> str:
        kind = unicodedata.category(chr(code))[0]
        self[code] = " . " if kind in "PS" else " " if kind in "ZC" else chr(code)
        return self[code]


_BREAKS = _Breaks()


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces, punctuation kept as " . " (a clause break).

    Full-width forms are folded (NFKC); CamelCase, hyphens and underscores split words
    ("OutOfStock", "sold_out" -> "out of stock", "sold out"); "n't" becomes " not";
    thousands separators inside numbers go ("1,234" -> "1234").
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower().replace("\u0307", "")
    text = re.sub(r"n['’]t\b", " not", text)
    text = re.sub(r"(?<=\d)[,.'’ ](?=\d{3}(?!\d))", "", text)
    text = re.sub(r"(?<=\w)[-_‐‑'’](?=\w)", " ", text)
    text = text.translate(_BREAKS)
    return " ".join(re.sub(r"(?:\s*\.\s*)+", " . ", text).split())


def _count(text: str) -> int | None:
    match = COUNT.search(text)
    return int(next(g for g in match.groups() if g is not None)) if match else None


def read_stock(text: str | None) -> tuple[StockState, int | None]:
    """(state, count) from free text: a stock label, a sentence or a buy button.

    The count is given when the text says one: "In stock (22 available)" -> (IN_STOCK, 22),
    "0 available" -> (OUT_OF_STOCK, 0). Text that says nothing about stock (a price, "Add to
    wishlist", "Image not available") is UNKNOWN: nothing is guessed.
    """
    if not text:
        return StockState.UNKNOWN, None
    normal = normalise(text)
    if ASIDE_HINT.search(normal):  # a cheap look first: ASIDE is the slowest pattern
        normal = ASIDE.sub(" . ", normal)
    count = _count(normal)
    if NO_ORDER.search(normal):
        return StockState.OUT_OF_STOCK, None
    if BACKORDER.search(normal):
        return StockState.BACKORDER, None
    if PREORDER.search(normal):
        return StockState.PREORDER, None
    if NEARLY.search(normal):
        return StockState.IN_STOCK, count or None
    if OUT.search(normal) or count == 0:
        return StockState.OUT_OF_STOCK, 0 if count == 0 else None
    if count or IN.search(normal):
        return StockState.IN_STOCK, count
    return StockState.UNKNOWN, None


# schema.org ItemAvailability (https://schema.org/ItemAvailability) and common feed values.
SCHEMA: dict[str, StockState] = {
    **dict.fromkeys(("instock", "instoreonly", "onlineonly", "limitedavailability", "true"),
                    StockState.IN_STOCK),
    **dict.fromkeys(("outofstock", "soldout", "discontinued", "reserved", "oos", "false"),
                    StockState.OUT_OF_STOCK),
    "preorder": StockState.PREORDER, "presale": StockState.PREORDER,
    "backorder": StockState.BACKORDER, "madetoorder": StockState.BACKORDER,
}


def schema_stock(value: object) -> StockState:
    """A schema.org, meta or JSON availability value -> state; other text goes to read_stock.

    Accepts "InStock", "https://schema.org/InStock", "http://schema.org/OutOfStock/",
    "schema:PreOrder", "in stock", "out_of_stock", booleans, a list (its first value) and a
    dict (its "@id" or "name"). "MadeToOrder" is a backorder, "Reserved" out of stock.
    """
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("name")
    if isinstance(value, bool):
        return StockState.IN_STOCK if value else StockState.OUT_OF_STOCK
    if value is None:
        return StockState.UNKNOWN
    text = str(value).strip()
    key = re.sub(r"[\s_-]", "", re.split(r"[/:#]", text.rstrip("/"))[-1]).lower()
    return SCHEMA.get(key) or read_stock(text)[0]


def in_stock(state: StockState) -> bool | None:
    """True in stock, False out of stock, None otherwise: a pre-order is not a stock-out."""
    return {StockState.IN_STOCK: True, StockState.OUT_OF_STOCK: False}.get(state)


SCHEMA_NAMES = {StockState.IN_STOCK: "InStock", StockState.OUT_OF_STOCK: "OutOfStock",
                StockState.PREORDER: "PreOrder", StockState.BACKORDER: "BackOrder"}


def schema_name(state: StockState) -> str | None:
    """The schema.org name of a state ("InStock", "PreOrder"); None for unknown."""
    return SCHEMA_NAMES.get(state)
