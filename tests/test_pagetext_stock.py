"""Stock wording as table tests: every phrase with the exact state it must read as.

Phrases come from three places, named in each row's third field:
- a folder of ../shared/realpages (text nodes and attribute values of the saved pages; the
  provenance test at the end checks they are really there when the folder is present);
- PLATFORM: a platform's own labels (JD, Taobao/Tmall, Amazon, Rakuten, Coupang, momo ...);
- COMPOSED: sentences and variants written here to pin a rule (negations, hyphens, order).
bench/pagetext/stock.py imports these tables.
"""

from __future__ import annotations

import gzip
import html
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawlers.pagetext.stock import StockState, in_stock, normalise, read_stock, schema_stock

IN, OUT = StockState.IN_STOCK, StockState.OUT_OF_STOCK
PRE, BACK, UNKNOWN = StockState.PREORDER, StockState.BACKORDER, StockState.UNKNOWN

BENCH = "product_extraction_benchmark_2021"  # 73 product pages of ~90 shops, 2021
AMAZON = "amazon_search_wayback"  # amazon .com .co.jp .de .es .in .com.br .ca, 2021-22
AMAZON_IN = "amazon_in_search_2025"
OG = "product_pages_opengraph"  # taobao, tmall, ebay, etsy, newegg, bestbuy, amazon, ...
JD = "jd_search_wayback"
TAOBAO = "taobao_search_rendered_2018"
TW = "taiwan_shopping_search_2026"  # momo, Yahoo購物中心
ETSY = "etsy_search_wayback"
EBAY = "ebay_search_wayback"
BOOKS = "books.toscrape.com"
HOMEPAGES = "ecommerce_homepages_2017"
GOOGLE = "google_serp_wayback"
ALI = "aliexpress_search_wayback"
FLIPKART = "flipkart_search_2025"
PLATFORM, COMPOSED, ISSUE = "platform", "composed", "issue 15"

Row = tuple[str, str, str]  # (language, phrase, source)

OUT_OF_STOCK: list[Row] = [
    # The substring bugs named in issue 15: all read as *in* stock by fields.parse_stock.
    ("en", "not available", ISSUE), ("es", "no disponible", ISSUE),
    ("fr", "indisponible", ISSUE), ("de", "nicht auf lager", ISSUE),
    ("en", "not in stock", ISSUE), ("en", "no longer in stock", ISSUE),
    ("en", "out-of-stock", ISSUE), ("en", "sold-out", ISSUE),
    ("en", "isn't in stock right now", ISSUE), ("en", "Notify me when available", ISSUE),
    # English
    ("en", "Currently unavailable.", BENCH), ("en", "Out of Stock", BENCH),
    ("en", "We don't know when or if this item will be back in stock.", BENCH),
    ("en", "We’ll let you know when it’s in stock", BENCH),
    ("en", "35 - We’ll let you know when it’s in stock", BENCH),
    ("en", "There are 0 items available. Please enter a number less than or equal to 0.", BENCH),
    ("en", "Unavailable", AMAZON), ("en", "Temporarily out of stock.", AMAZON),
    ("en", "6 - Sold Out", OG), ("en", "OutOfStock", OG),
    ("en", "Currently unavailable. We don't know when or if this item will be back in stock.",
     PLATFORM),
    ("en", "Out of stock", PLATFORM), ("en", "Sold out", PLATFORM), ("en", "SOLD OUT", PLATFORM),
    ("en", "OUT_OF_STOCK", COMPOSED), ("en", "sold_out", COMPOSED), ("en", "soldout", COMPOSED),
    ("en", "Out-Of-Stock", COMPOSED), ("en", "No longer available", PLATFORM),
    ("en", "Discontinued", PLATFORM), ("en", "This item is no longer available.", PLATFORM),
    ("en", "This item isn't in stock right now.", COMPOSED),
    ("en", "Item is not currently in stock", COMPOSED), ("en", "Not available online", PLATFORM),
    ("en", "Email me when back in stock", PLATFORM), ("en", "Back in stock soon", PLATFORM),
    ("en", "0 available", COMPOSED), ("en", "None in stock", COMPOSED),
    ("en", "Sorry, these items aren't available anymore", COMPOSED),
    # German
    ("de", "Derzeit nicht auf Lager.", AMAZON), ("de", "Derzeit nicht verfügbar.", BENCH),
    ("de", "Benachrichtigen, wenn Artikel wieder lieferbar.", BENCH),
    ("de", "Nicht auf Lager", PLATFORM), ("de", "Ausverkauft", PLATFORM),
    ("de", "Nicht verfügbar", PLATFORM), ("de", "Nicht lieferbar", PLATFORM),
    ("de", "Nicht mehr lieferbar", PLATFORM), ("de", "Artikel nicht mehr verfügbar", PLATFORM),
    ("de", "Zurzeit nicht lieferbar", PLATFORM), ("de", "Momentan nicht vorrätig", PLATFORM),
    ("de", "Leider ausverkauft", PLATFORM), ("de", "Vergriffen", PLATFORM),
    ("de", "Kein Lagerbestand", PLATFORM), ("de", "Bald wieder verfügbar", PLATFORM),
    ("de", "Dieser Artikel ist leider nicht mehr auf Lager", COMPOSED),
    ("de", "Dieser Artikel ist momentan vergriffen.", BENCH),
    # French
    ("fr", "Épuisé", BENCH), ("fr", "Actuellement indisponible.", BENCH),
    ("fr", "Rupture de stock", PLATFORM), ("fr", "Indisponible", PLATFORM),
    ("fr", "En rupture de stock", PLATFORM), ("fr", "Temporairement en rupture", PLATFORM),
    ("fr", "Ce produit n'est plus disponible", PLATFORM), ("fr", "Hors stock", PLATFORM),
    ("fr", "Article épuisé", PLATFORM), ("fr", "Produit indisponible", PLATFORM),
    ("fr", "M'avertir de la disponibilité", PLATFORM),
    ("fr", "Me prévenir quand il est disponible", PLATFORM),
    ("fr", "Cet article n'est pas en stock", COMPOSED),
    # Spanish
    ("es", "No Disponible", BENCH), ("es", "Temporalmente sin stock.", AMAZON),
    ("es", "Agotado", PLATFORM), ("es", "No disponible", PLATFORM),
    ("es", "Sin existencias", PLATFORM), ("es", "Sin stock", PLATFORM),
    ("es", "Fuera de stock", PLATFORM), ("es", "Producto agotado", PLATFORM),
    ("es", "Agotado temporalmente", PLATFORM), ("es", "No hay existencias", PLATFORM),
    ("es", "Avísame cuando esté disponible", PLATFORM),
    ("es", "Este producto no está disponible", COMPOSED),
    # Italian
    ("it", "Esaurito", PLATFORM), ("it", "Non disponibile", PLATFORM),
    ("it", "Temporaneamente non disponibile", PLATFORM), ("it", "Prodotto esaurito", PLATFORM),
    ("it", "Articolo non più disponibile", PLATFORM), ("it", "Esaurita", PLATFORM),
    ("it", "Non disponibile al momento", PLATFORM),
    ("it", "Attualmente non disponibile.", PLATFORM),
    ("it", "Avvisami quando disponibile", PLATFORM),
    # Dutch
    ("nl", "Uitverkocht", PLATFORM), ("nl", "Niet op voorraad", PLATFORM),
    ("nl", "Niet leverbaar", PLATFORM), ("nl", "Tijdelijk uitverkocht", PLATFORM),
    ("nl", "Niet beschikbaar", PLATFORM), ("nl", "Geen voorraad", PLATFORM),
    ("nl", "Niet meer leverbaar", PLATFORM), ("nl", "Momenteel niet op voorraad", PLATFORM),
    ("nl", "Mail mij wanneer dit product weer op voorraad is", PLATFORM),
    ("nl", "Binnenkort weer op voorraad", PLATFORM),
    # Portuguese (PT and BR)
    ("pt", "Produto esgotado :(", BENCH), ("pt", "Produto esgotado", BENCH),
    ("pt", "Produto indisponível", BENCH), ("pt", "Produto Indisponível :(", BENCH),
    ("pt", "Esgotado", PLATFORM), ("pt", "Indisponível", PLATFORM),
    ("pt", "Fora de estoque", PLATFORM), ("pt", "Sem estoque", PLATFORM),
    ("pt", "Não disponível", PLATFORM), ("pt", "Avise-me quando chegar", PLATFORM),
    ("pt", "Produto fora de estoque", PLATFORM), ("pt", "Esgotada", PLATFORM),
    ("pt", "Sem stock", PLATFORM), ("pt", "Este produto não está disponível", COMPOSED),
    # Polish
    ("pl", "Produkt niedostępny", BENCH), ("pl", "Brak w magazynie", PLATFORM),
    ("pl", "Niedostępny", PLATFORM), ("pl", "Chwilowo niedostępny", PLATFORM),
    ("pl", "Produkt wyprzedany", PLATFORM), ("pl", "Brak towaru", PLATFORM),
    ("pl", "Nie ma w magazynie", PLATFORM), ("pl", "Towar niedostępny", PLATFORM),
    ("pl", "Powiadom o dostępności", PLATFORM), ("pl", "Obecnie brak na stanie", PLATFORM),
    ("pl", "Produkt nie jest dostępny", COMPOSED),
    # Turkish
    ("tr", "Stokta yok", PLATFORM), ("tr", "Tükendi", PLATFORM), ("tr", "Stok yok", PLATFORM),
    ("tr", "Ürün tükendi", PLATFORM), ("tr", "Stokta bulunmuyor", PLATFORM),
    ("tr", "Mevcut değil", PLATFORM), ("tr", "Gelince haber ver", PLATFORM),
    ("tr", "Stoğa girince haber ver", PLATFORM), ("tr", "STOKTA YOK", PLATFORM),
    ("tr", "Satışta değil", PLATFORM),
    # Indonesian / Malay
    ("id", "Stok habis", PLATFORM), ("id", "Habis", PLATFORM), ("id", "Stok kosong", PLATFORM),
    ("id", "Terjual habis", PLATFORM), ("id", "Tidak tersedia", PLATFORM),
    ("id", "Stok tidak tersedia", PLATFORM), ("id", "Kehabisan stok", PLATFORM),
    ("id", "Tidak ada stok", PLATFORM), ("id", "Barang habis", PLATFORM),
    ("id", "Stok tiada", PLATFORM), ("id", "Stok sudah habis", COMPOSED),
    # Japanese
    ("ja", "在庫切れ", PLATFORM), ("ja", "売り切れ", PLATFORM), ("ja", "品切れ", PLATFORM),
    ("ja", "在庫なし", PLATFORM), ("ja", "在庫がありません", PLATFORM), ("ja", "完売", PLATFORM),
    ("ja", "販売終了", PLATFORM), ("ja", "一時的に在庫切れ; 入荷時期は未定です。", PLATFORM),
    ("ja", "入荷待ち", PLATFORM), ("ja", "現在お取り扱いできません。", PLATFORM),
    ("ja", "再入荷お知らせ", PLATFORM), ("ja", "売切れ", PLATFORM),
    # Korean
    ("ko", "품절", PLATFORM), ("ko", "일시품절", PLATFORM), ("ko", "재고 없음", PLATFORM),
    ("ko", "재고가 없습니다", PLATFORM), ("ko", "매진", PLATFORM), ("ko", "판매 종료", PLATFORM),
    ("ko", "구매 불가", PLATFORM), ("ko", "재입고 알림 신청", PLATFORM),
    ("ko", "판매중지", PLATFORM),
    # Simplified Chinese
    ("zh-Hans", "无货", PLATFORM), ("zh-Hans", "海外无货", JD), ("zh-Hans", "已售罄", PLATFORM),
    ("zh-Hans", "宝贝已下架", PLATFORM), ("zh-Hans", "缺货", PLATFORM),
    ("zh-Hans", "暂时无货", PLATFORM), ("zh-Hans", "该商品已下架", PLATFORM),
    ("zh-Hans", "暂无库存", PLATFORM), ("zh-Hans", "库存不足", PLATFORM),
    ("zh-Hans", "到货通知", PLATFORM), ("zh-Hans", "已抢光", PLATFORM),
    ("zh-Hans", "商品已售完", PLATFORM), ("zh-Hans", "补货中", PLATFORM),
    ("zh-Hans", "缺货登记", PLATFORM), ("zh-Hans", "没货了", PLATFORM),
    ("zh-Hans", "无现货", PLATFORM), ("zh-Hans", "该地区暂不销售", PLATFORM),
    # Traditional Chinese
    ("zh-Hant", "缺貨", PLATFORM), ("zh-Hant", "售完", PLATFORM), ("zh-Hant", "補貨中", PLATFORM),
    ("zh-Hant", "已售完", PLATFORM), ("zh-Hant", "無庫存", PLATFORM),
    ("zh-Hant", "暫無庫存", PLATFORM), ("zh-Hant", "貨到通知", PLATFORM),
    ("zh-Hant", "銷售一空", PLATFORM), ("zh-Hant", "暫時缺貨", PLATFORM),
    ("zh-Hant", "商品已下架", PLATFORM), ("zh-Hant", "賣完了", PLATFORM),
    ("zh-Hant", "無貨", PLATFORM),
    # Russian
    ("ru", "Нет в наличии", PLATFORM), ("ru", "Нет на складе", PLATFORM),
    ("ru", "Товар закончился", PLATFORM), ("ru", "Распродано", PLATFORM),
    ("ru", "Недоступен", PLATFORM), ("ru", "Отсутствует", PLATFORM),
    ("ru", "Нет в продаже", PLATFORM), ("ru", "Сообщить о поступлении", PLATFORM),
    ("ru", "Временно отсутствует", PLATFORM), ("ru", "Товара нет в наличии", PLATFORM),
    ("ru", "Ожидается поступление", PLATFORM),
    # Swedish, Danish, Norwegian
    ("sv", "Slutsåld", PLATFORM), ("sv", "Ej i lager", PLATFORM),
    ("sv", "Tillfälligt slut", PLATFORM), ("sv", "Finns ej i lager", PLATFORM),
    ("sv", "Inte i lager", PLATFORM), ("sv", "Slut i lager", PLATFORM),
    ("sv", "Ej tillgänglig", PLATFORM), ("sv", "Bevaka", PLATFORM),
    ("da", "Udsolgt", PLATFORM), ("da", "Ikke på lager", PLATFORM),
    ("da", "Midlertidigt udsolgt", PLATFORM), ("da", "Ikke tilgængelig", PLATFORM),
    ("no", "Utsolgt", PLATFORM), ("no", "Ikke tilgjengelig", PLATFORM),
    ("no", "Midlertidig utsolgt", PLATFORM), ("no", "Ikke på lager", PLATFORM),
    # Czech
    ("cs", "Vyprodáno", PLATFORM), ("cs", "Není skladem", PLATFORM),
    ("cs", "Momentálně nedostupné", PLATFORM), ("cs", "Nedostupné", PLATFORM),
    ("cs", "Dočasně vyprodáno", PLATFORM), ("cs", "Není k dispozici", PLATFORM),
    ("cs", "Hlídat dostupnost", PLATFORM),
    # Vietnamese, Thai
    ("vi", "Hết hàng", PLATFORM), ("vi", "Tạm hết hàng", PLATFORM),
    ("vi", "Không có hàng", PLATFORM), ("vi", "Ngừng kinh doanh", PLATFORM),
    ("vi", "Sản phẩm hết hàng", PLATFORM),
    ("th", "สินค้าหมด", PLATFORM), ("th", "หมดสต็อก", PLATFORM),
    ("th", "สินค้าหมดชั่วคราว", PLATFORM), ("th", "ไม่มีสินค้า", PLATFORM),
]

# In-stock phrases that must never read as out of stock (nor as anything but in stock).
IN_STOCK: list[Row] = [
    ("en", "In stock", PLATFORM), ("en", "In Stock.", BENCH), ("en", "in stock", BENCH),
    ("en", "instock", BENCH), ("en", "InStock", OG), ("en", "in_stock", OG),
    ("en", "Available", OG), ("en", "In stock (22 available)", BOOKS),
    ("en", "Only 1 left in stock - order soon.", AMAZON),
    ("en", "Only 5 left in stock (more on the way).", AMAZON),
    ("en", "Only 2 left in stock.", AMAZON_IN), ("en", "Only 2 left", COMPOSED),
    ("en", "Add to cart", PLATFORM), ("en", "Buy now", PLATFORM),
    ("en", "In stock. Usually ships within 24 hours", PLATFORM),
    ("en", "No. 1 bestseller — in stock", COMPOSED), ("en", "Available to ship", BENCH),
    ("en", "Available to ship in 1-2 days", PLATFORM),
    ("en", "Currently in stock online", BENCH), ("en", "8 available", BENCH),
    ("en", "More than 10 available", BENCH),
    ("en", "There are 33 items available. Please enter a number less than or equal to 33.", OG),
    ("en", "Only 1 available and it's in", ETSY),
    ("en", "Ready to ship in 1-2 business days.", OG), ("en", "Ships in 1 business day.", OG),
    ("en", "Usually ships within 3 days.", AMAZON), ("en", "New In: Back In Stock", HOMEPAGES),
    ("en", "Low stock", PLATFORM), ("en", "Hurry, only 3 left!", PLATFORM),
    ("en", "Add to Basket", PLATFORM), ("en", "Add to Bag", PLATFORM),
    ("en", "Buy It Now", PLATFORM), ("en", "Free returns, no restocking fee. In stock", COMPOSED),
    ("de", "Auf Lager", BENCH), ("de", "Lieferbar", BENCH),
    ("de", "lieferbar - in 3-5 Werktagen bei dir", BENCH),
    ("de", "Nur noch 6 auf Lager (mehr ist unterwegs).", AMAZON),
    ("de", "Lieferbar in 2-3 Tagen", PLATFORM), ("de", "Sofort lieferbar", PLATFORM),
    ("de", "Verfügbar", PLATFORM), ("de", "In den Warenkorb", PLATFORM),
    ("de", "Lieferbar ab Lager", PLATFORM), ("de", "Wieder verfügbar", PLATFORM),
    ("de", "Fast ausverkauft", PLATFORM), ("en", "Almost sold out", PLATFORM),
    ("zh-Hans", "即将售罄", PLATFORM), ("en", "Selling Fast !!!", FLIPKART),
    ("en", "Almost gone", BENCH), ("pt", "Estimativa de envio de 6 a 10 dias.", AMAZON),
    ("de", "Lieferzeit 4-5 Werktage", BENCH), ("pl", "Wysyłka 72h", BENCH),
    ("fr", "Habituellement expédié sous 3 à 4 jours.", BENCH),
    ("fr", "En stock", BENCH), ("fr", "En Stock", BENCH), ("fr", "En stock.", BENCH),
    ("fr", "36,99€ - En Stock", BENCH), ("fr", "Ce produit est disponible", BENCH),
    ("fr", "Disponible", PLATFORM), ("fr", "Ajouter au panier", PLATFORM),
    ("fr", "Plus que 2 en stock", PLATFORM), ("fr", "Expédié sous 24h", PLATFORM),
    ("fr", "Retrait sans frais disponible", COMPOSED),
    ("es", "Disponible", BENCH), ("es", "En existencia", PLATFORM), ("es", "En stock", PLATFORM),
    ("es", "Sólo queda(n) 4 en stock.", AMAZON),
    ("es", "Sólo queda(n) 2 en stock (hay más unidades en camino).", AMAZON),
    ("es", "Añadir a la cesta", PLATFORM), ("es", "Agregar al carrito", PLATFORM),
    ("es", "Hay existencias", PLATFORM), ("es", "Envío sin costo disponible", COMPOSED),
    ("it", "Disponibile", PLATFORM), ("it", "Disponibilità immediata", BENCH),
    ("it", "Subito Disponibile", BENCH), ("it", "Ultimo disponibile", BENCH),
    ("it", "articolo nuovo e disponibile a magazzino", BENCH),
    ("it", "Disponibilità: solo 3 -- ordina subito (ulteriori in arrivo).", BENCH),
    ("it", "Aggiungi al carrello", PLATFORM),
    ("nl", "Op voorraad", PLATFORM), ("nl", "Direct leverbaar", PLATFORM),
    ("nl", "Leverbaar", PLATFORM), ("nl", "Beschikbaar", PLATFORM),
    ("nl", "In winkelwagen", PLATFORM), ("nl", "Nog 2 op voorraad", PLATFORM),
    ("pt", "Em Stock", BENCH), ("pt", "Tamanho: XS - Em Stock", BENCH),
    ("pt", "Disponível", BENCH), ("pt", "Em estoque", PLATFORM),
    ("pt", "Adicionar ao carrinho", PLATFORM), ("pt", "Comprar agora", PLATFORM),
    ("pt", "Pronta entrega", PLATFORM),
    ("pl", "Dostępne", BENCH), ("pl", "Dostępny", PLATFORM), ("pl", "W magazynie", PLATFORM),
    ("pl", "Produkt dostępny", PLATFORM), ("pl", "Dostępny w magazynie", PLATFORM),
    ("pl", "Dodaj do koszyka", PLATFORM), ("pl", "Na stanie", PLATFORM),
    ("pl", "Wysyłka w 24 godziny", PLATFORM),
    ("tr", "Stokta", PLATFORM), ("tr", "Stokta var", PLATFORM), ("tr", "Sepete ekle", PLATFORM),
    ("tr", "Hemen al", PLATFORM), ("tr", "Mevcut", PLATFORM), ("tr", "Satışta", PLATFORM),
    ("tr", "Tükenmek üzere", PLATFORM),
    ("id", "Tersedia", PLATFORM), ("id", "Stok tersedia", PLATFORM),
    ("id", "Beli sekarang", PLATFORM), ("id", "Masukkan keranjang", PLATFORM),
    ("id", "Ada stok", PLATFORM), ("id", "Stok: 12", PLATFORM), ("id", "Sisa 3", PLATFORM),
    ("ja", "在庫あり", PLATFORM), ("ja", "在庫有り", PLATFORM), ("ja", "残りわずか", PLATFORM),
    ("ja", "残り3点", PLATFORM), ("ja", "カートに入れる", PLATFORM),
    ("ja", "今すぐ購入", PLATFORM), ("ja", "即納", PLATFORM), ("ja", "在庫僅少", PLATFORM),
    ("ko", "재고 있음", PLATFORM), ("ko", "구매 가능", PLATFORM),
    ("ko", "장바구니 담기", PLATFORM), ("ko", "바로 구매", PLATFORM), ("ko", "판매중", PLATFORM),
    ("zh-Hans", "有货", PLATFORM), ("zh-Hans", "北京有货", JD), ("zh-Hans", "现货", PLATFORM),
    ("zh-Hans", "现货速发/128G版 Apple/苹果", TAOBAO), ("zh-Hans", "库存充足", PLATFORM),
    ("zh-Hans", "加入购物车", PLATFORM), ("zh-Hans", "立即购买", PLATFORM),
    ("zh-Hans", "仅剩3件", PLATFORM), ("zh-Hans", "库存3件", PLATFORM),
    ("zh-Hans", "库存紧张", PLATFORM), ("zh-Hans", "有库存", PLATFORM),
    ("zh-Hant", "有現貨", TW), ("zh-Hant", "現貨", PLATFORM), ("zh-Hant", "有貨", PLATFORM),
    ("zh-Hant", "立即購買", PLATFORM), ("zh-Hant", "加入購物車", PLATFORM),
    ("zh-Hant", "現貨供應", PLATFORM),
    ("ru", "В наличии", PLATFORM), ("ru", "В наличии на складе", BENCH),
    ("ru", "Есть в наличии", PLATFORM), ("ru", "На складе", PLATFORM),
    ("ru", "В корзину", PLATFORM), ("ru", "Купить", PLATFORM), ("ru", "Осталось 3 шт.", PLATFORM),
    ("sv", "I lager", PLATFORM), ("sv", "Finns i lager", PLATFORM),
    ("sv", "Lägg i varukorgen", PLATFORM), ("sv", "Tillgänglig", PLATFORM),
    ("da", "På lager", PLATFORM), ("da", "Læg i kurv", PLATFORM),
    ("no", "Legg i handlekurv", PLATFORM), ("no", "Tilgjengelig", PLATFORM),
    ("cs", "Skladem", PLATFORM), ("cs", "Na skladě", PLATFORM), ("cs", "Skladem > 5 ks", PLATFORM),
    ("cs", "Do košíku", PLATFORM), ("cs", "K dispozici", PLATFORM),
    ("vi", "Còn hàng", PLATFORM), ("vi", "Có sẵn", PLATFORM), ("vi", "Mua ngay", PLATFORM),
    ("vi", "Thêm vào giỏ hàng", PLATFORM),
    ("th", "มีสินค้า", PLATFORM), ("th", "พร้อมส่ง", PLATFORM), ("th", "หยิบใส่ตะกร้า", PLATFORM),
]

PREORDER: list[Row] = [
    ("en", "Pre-Order", BENCH), ("en", "Coming soon", BENCH), ("en", "Coming Soon", AMAZON),
    ("en", "Pre-order", PLATFORM), ("en", "PreOrder", COMPOSED), ("en", "Preorder now", PLATFORM),
    ("en", "Available for pre-order", PLATFORM), ("en", "PRE_SALE", COMPOSED),
    ("en", "Pre-sale", PLATFORM), ("en", "Coming soon - notify me", COMPOSED),
    ("ja", "ただいま予約受付中です。", AMAZON), ("ja", "発売予定日は2021年7月12日です。", AMAZON),
    ("ru", "Предзаказ", BENCH), ("ja", "「予約商品の価格保証」対象商品。", AMAZON),
    ("zh-Hans", "预售", PLATFORM), ("zh-Hans", "启蒙 父爱绘本故事书图画书预售", JD),
    ("zh-Hans", "好货预售", HOMEPAGES), ("zh-Hans", "预约", PLATFORM),
    ("zh-Hant",
     "Apple iPhone 17 256G (黑/白/霧藍/薰衣草紫/鼠尾草綠)【預購-依訂單順序出貨】【愛買】", TW),
    ("de", "Vorbestellen", PLATFORM), ("de", "Demnächst erhältlich", PLATFORM),
    ("fr", "Précommande", PLATFORM), ("fr", "Bientôt disponible", PLATFORM),
    ("es", "Preventa", PLATFORM), ("es", "Próximamente", PLATFORM),
    ("pt", "Pré-venda", PLATFORM), ("pt", "Disponível em breve", PLATFORM),
    ("it", "Preordina ora", PLATFORM), ("nl", "Binnenkort verkrijgbaar", PLATFORM),
    ("pl", "Przedsprzedaż", PLATFORM), ("tr", "Ön sipariş", PLATFORM),
    ("tr", "Yakında", PLATFORM), ("ko", "예약 판매", PLATFORM),
    ("id", "Segera hadir", PLATFORM), ("th", "พรีออเดอร์", PLATFORM),
    ("vi", "Đặt trước", PLATFORM),
]

# Orderable now, delivered later. Amazon's "In stock on <date>" is one: the item is not on
# the shelf today, an order is taken and ships when it arrives (in_stock() says None).
BACKORDER: list[Row] = [
    ("en", "Backorder", PLATFORM), ("en", "Back-ordered", PLATFORM),
    ("en", "Available for backorder", PLATFORM),
    ("en", "Out of stock - available on backorder", PLATFORM),
    ("en", "In stock on December 5, 2026.", PLATFORM),
    ("en", "Temporarily out of stock. Order now and we'll deliver when available.", PLATFORM),
    ("en", "Usually ships in 3 to 5 weeks.", PLATFORM),
    ("en", "Usually dispatched within 1 to 2 months.", PLATFORM),
    ("de", "Derzeit nicht auf Lager. Bestellen Sie jetzt und wir liefern, sobald der Artikel "
     "verfügbar ist.", PLATFORM),
    ("de", "Versandfertig in 1 - 2 Monaten.", PLATFORM),
    ("de", "Lieferbar ab 12.01.2027", PLATFORM),
    ("de", "Wieder auf Lager ab 3. März", PLATFORM), ("de", "Lieferzeit: 4-6 Wochen", PLATFORM),
    ("fr", "Sur commande", PLATFORM), ("es", "Bajo pedido", PLATFORM),
    ("it", "Su ordinazione", PLATFORM), ("nl", "Op bestelling", PLATFORM),
    ("pt", "Sob encomenda", PLATFORM),
    ("ru", "Под заказ", PLATFORM), ("cs", "Na objednávku", PLATFORM),
    ("ja", "お取り寄せ", PLATFORM), ("ja", "入荷次第発送", PLATFORM),
    ("zh-Hans", "预订", PLATFORM), ("zh-Hans", "采购中", PLATFORM), ("zh-Hans", "北京预订", JD),
    ("en", "Usually dispatched in 3 to 4 weeks.", AMAZON), ("ru", "Товары под заказ", BENCH),
    ("pt", "Estimativa de envio de 1 a 3 semanas.", AMAZON), ("pl", "Na zamówienie", BENCH),
]

# Text that says nothing about this product's stock: never a guess.
UNKNOWN_TEXTS: list[tuple[str | None, str]] = [
    (None, COMPOSED), ("", COMPOSED), ("   ", COMPOSED), ("Add to wishlist", COMPOSED),
    ("¥199.00", COMPOSED), ("Free shipping", EBAY), ("FREE Shipping by Amazon", AMAZON),
    ("Ships to Finland", AMAZON), ("+$5.99 shipping", EBAY), ("1 day shipping", EBAY),
    ("Image not available", BENCH), ("Photos not available for this variation", BENCH),
    ("Bild nicht verfügbar", BENCH), ("Immagine non disponibile per", BENCH),
    ("Image Unavailable", BENCH), ("Sorry, live chat isn't available right now.", BENCH),
    ("Availability", BENCH), ("Verfügbarkeit prüfen", BENCH), ("Sprawdź dostępność", BENCH),
    ("Наличие в магазинах", BENCH), ("在庫状況", AMAZON), ("Disponibilidade", AMAZON),
    ("6 Colors Available", ALI), ("More options available", BENCH),
    ("Credit plans available", BENCH), ("Free Returns with No restocking fee", OG),
    ("Price Available at Checkout", OG), ("Stock Market, Quotes, News", GOOGLE),
    ("Unavailable for store pickup", BENCH),
    ("This product is currently unavailable to pick up at nearby stores.", BENCH),
    ("Ce produit n'est pas disponible en magasin", BENCH), ("Check stock", BENCH),
    ("Stock updates", BENCH), ("B-Stock", BENCH), ("Livestock", BENCH),
    ("Karl Lagerfeld", BENCH), ("Opcja niedostępna", BENCH), ("4.5 out of 5 stars", COMPOSED),
    ("Only $5 more for free shipping", COMPOSED), ("Free shipping when you spend $35", COMPOSED),
    ("7天无理由退货", PLATFORM), ("退货无忧", PLATFORM), ("ゴルフ場予約", OG),
    ("Add to compare", COMPOSED), ("Include Out of Stock", AMAZON), ("在庫切れを含む", AMAZON),
    ("Inkl. Vergriffen", AMAZON), ("Fora de estoque incluídos", AMAZON),
    ("Twoje powiadomienia", HOMEPAGES), ("Prenota e ritira", BENCH),
    ("Presale Live Chat", HOMEPAGES), ("Opção de frete GRÁTIS disponível", AMAZON),
]

# (text, state, count): the count is read where the text says one.
COUNTS: list[tuple[str, StockState, int | None]] = [
    ("In stock (22 available)", IN, 22), ("库存3件", IN, 3), ("仅剩2件", IN, 2),
    ("0 available", OUT, 0), ("Only 3 left in stock - order soon.", IN, 3),
    ("Nur noch 12 auf Lager (mehr ist unterwegs).", IN, 12), ("Sólo queda(n) 1 en stock.", IN, 1),
    ("There are 169 items available. Please enter a number less than or equal to 169.", IN, 169),
    ("There are 0 items available. Please enter a number less than or equal to 0.", OUT, 0),
    ("残り3点", IN, 3), ("Stock: 1,234", IN, 1234), ("1.234 auf Lager", IN, 1234),
    ("Skladem > 5 ks", IN, 5), ("Осталось 3 шт.", IN, 3), ("Sisa 3", IN, 3), ("재고 5개", IN, 5),
    ("Stock: 0", OUT, 0), ("库存0件", OUT, 0), ("Out of stock", OUT, None),
    ("Disponibilità: solo 3 -- ordina subito (ulteriori in arrivo).", IN, 3),
    ("Plus que 2 en stock", IN, 2), ("Nog 2 op voorraad", IN, 2), ("Only 2 left", IN, 2),
    ("Hurry, only 3 left!", IN, 3), ("残り13点（入荷予定あり）", IN, 13), ("In stock", IN, None),
    ("１２件在庫あり", IN, 12),
    ("Usually ships within 6 to 10 days.", IN, None), ("Pre-order: 5 left", PRE, None),
]

SCHEMA: list[tuple[object, StockState]] = [
    ("InStock", IN), ("https://schema.org/InStock", IN), ("http://schema.org/InStock", IN),
    ("http://schema.org/OutOfStock/", OUT), ("schema:PreOrder", PRE), ("OutOfStock", OUT),
    ("SoldOut", OUT), ("Discontinued", OUT), ("PreOrder", PRE), ("PreSale", PRE),
    ("BackOrder", BACK), ("https://schema.org/BackOrder", BACK), ("LimitedAvailability", IN),
    ("InStoreOnly", IN), ("OnlineOnly", IN), ("MadeToOrder", BACK), ("Reserved", OUT),
    ("in stock", IN), ("out of stock", OUT), ("instock", IN), ("oos", OUT), ("in_stock", IN),
    ("out_of_stock", OUT), ("OUT_OF_STOCK", OUT), (True, IN), (False, OUT), ("true", IN),
    ("false", OUT), (["https://schema.org/InStock", "https://schema.org/OutOfStock"], IN),
    ([], UNKNOWN), ({"@id": "https://schema.org/OutOfStock"}, OUT), ({"name": "PreOrder"}, PRE),
    (None, UNKNOWN), ("", UNKNOWN), ("available", IN), ("unavailable", OUT),
    ("Nicht auf Lager", OUT), ("https://schema.org/SomethingElse", UNKNOWN), (" InStock ", IN),
]


def _ids(rows: list[Row]) -> list[str]:
    return [f"{lang}:{text[:40]}" for lang, text, _ in rows]


@pytest.mark.parametrize(("lang", "text", "source"), OUT_OF_STOCK, ids=_ids(OUT_OF_STOCK))
def test_out_of_stock(lang: str, text: str, source: str) -> None:
    assert read_stock(text)[0] == OUT


@pytest.mark.parametrize(("lang", "text", "source"), IN_STOCK, ids=_ids(IN_STOCK))
def test_in_stock_never_reads_as_out(lang: str, text: str, source: str) -> None:
    assert read_stock(text)[0] == IN


@pytest.mark.parametrize(("lang", "text", "source"), PREORDER, ids=_ids(PREORDER))
def test_preorder(lang: str, text: str, source: str) -> None:
    assert read_stock(text) == (PRE, None)


@pytest.mark.parametrize(("lang", "text", "source"), BACKORDER, ids=_ids(BACKORDER))
def test_backorder(lang: str, text: str, source: str) -> None:
    assert read_stock(text) == (BACK, None)


@pytest.mark.parametrize(("text", "source"), UNKNOWN_TEXTS)
def test_unknown_text_is_never_guessed(text: str | None, source: str) -> None:
    assert read_stock(text) == (UNKNOWN, None)


@pytest.mark.parametrize(("text", "state", "count"), COUNTS)
def test_counts(text: str, state: StockState, count: int | None) -> None:
    assert read_stock(text) == (state, count)


@pytest.mark.parametrize(("value", "state"), SCHEMA)
def test_schema_values(value: object, state: StockState) -> None:
    assert schema_stock(value) == state


def test_in_stock_is_a_yes_no_only_for_the_two_plain_states() -> None:
    assert [in_stock(s) for s in StockState] == [True, False, None, None, None]
    assert StockState("preorder") is PRE and str(BACK) == "backorder"


@pytest.mark.parametrize(("text", "normal"), [
    ("OutOfStock", "out of stock"), ("SOLD_OUT", "sold out"), ("out-of-stock", "out of stock"),
    ("isn't", "is not"), ("Stock: 1,234", "stock . 1234"), ("ＳＯＬＤ　ＯＵＴ", "sold out"),
    ("MEVCUT DEĞİL", "mevcut değil"),
])
def test_normalise(text: str, normal: str) -> None:
    assert normalise(text) == normal


@given(st.text(max_size=200))
def test_any_text_reads_without_error(text: str) -> None:
    state, count = read_stock(text)
    assert state in StockState and (count is None or count >= 0)
    assert (count == 0) <= (state == OUT)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["@id", "name", "x"]), inner, max_size=2),
                    max_leaves=6))
def test_any_schema_value_reads_without_error(value: object) -> None:
    assert schema_stock(value) in StockState


def _realpages() -> Path:
    env = os.environ.get("SHOPWATCH_REALPAGES")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "realpages"


def _folder_text(folder: Path) -> str:
    parts = []
    for path in folder.rglob("*"):
        if path.suffix in {".html", ".htm", ".gz"} and path.is_file():
            data = path.read_bytes()
            data = gzip.decompress(data) if path.suffix == ".gz" else data
            declared = re.search(rb"charset=[\"']?([\w-]+)", data[:4000])
            charset = declared.group(1).decode() if declared else "utf-8"
            try:
                parts.append(data.decode(charset, "replace"))
            except LookupError:
                parts.append(data.decode("utf-8", "replace"))
    return re.sub(r"\s+", " ", html.unescape(" ".join(parts)))


_REAL = sorted(({source for rows in (OUT_OF_STOCK, IN_STOCK, PREORDER, BACKORDER)
                 for _, _, source in rows} | {source for _, source in UNKNOWN_TEXTS})
               - {PLATFORM, COMPOSED, ISSUE})


@pytest.mark.parametrize("folder", _REAL)
def test_real_phrases_are_on_the_saved_pages(folder: str) -> None:
    """Each phrase cited from ../shared/realpages is on a page of that folder."""
    path = _realpages() / folder
    if not path.is_dir():
        pytest.skip(f"{path} is absent (set SHOPWATCH_REALPAGES to check where phrases came from)")
    text = _folder_text(path)
    phrases = [t for rows in (OUT_OF_STOCK, IN_STOCK, PREORDER, BACKORDER)
               for _, t, s in rows if s == folder]
    phrases += [t for t, s in UNKNOWN_TEXTS if s == folder and t]
    assert [p for p in phrases if p not in text] == []
