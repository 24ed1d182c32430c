"""Made-up letters for previews, tests and the benchmark. Every name, address and account is invented."""
from __future__ import annotations

import random
import zlib
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from letters.model import (
    DELIVERY_CLASSES,
    LANGUAGES,
    TEMPLATES,
    ArrearsItem,
    Letter,
    PaymentInstructions,
    Recipient,
    Sender,
    ValidationDetails,
)

AS_OF = date(2026, 11, 27)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
_CITIES = [
    ("上海市", "上海市", "浦东新区世纪大道", "200120"), ("北京市", "北京市", "朝阳区建国路", "100022"),
    ("广东省", "广州市", "天河区天河路", "510620"), ("广东省", "深圳市", "南山区科技园南路", "518057"),
    ("浙江省", "杭州市", "西湖区文三路", "310012"), ("四川省", "成都市", "武侯区人民南路四段", "610041"),
    ("湖北省", "武汉市", "洪山区珞喻路", "430074"), ("江苏省", "南京市", "鼓楼区中山北路", "210008"),
]
_FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
          "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Wei", "Mei"]
_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
         "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Chen", "Wang", "O'Neill", "Nguyen", "Clark"]
_US = [("Springfield", "IL", "62704"), ("Columbus", "OH", "43215"), ("Austin", "TX", "78701"),
       ("Portland", "OR", "97205"), ("Raleigh", "NC", "27601"), ("Madison", "WI", "53703")]
_STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Washington Blvd", "Lake Rd", "Park Pl"]

_DPD = {"first_reminder": (3, 30), "formal_demand": (31, 90), "final_demand": (91, 180), "validation_notice": (31, 120),
        "visit_notice": (61, 180)}


def _money(rng: random.Random, lo: int, hi: int) -> Decimal:
    return Decimal(rng.randrange(lo * 100, hi * 100)) / 100


def sample_letter(template: str = "formal_demand", language: str = "zh-CN", delivery: str = "standard",
                  seq: int = 1, as_of: date = AS_OF, seed: int | None = None) -> Letter:
    """One plausible letter; `seq` varies the customer so that many letters differ."""
    rng = random.Random(seed if seed is not None else seq * 7919 + zlib.crc32(f"{template}|{language}".encode()) % 1000)
    lo, hi = _DPD[template]
    dpd = rng.randint(lo, hi)
    overdue_since = as_of - timedelta(days=dpd)
    n_items = max(1, min(6, dpd // 30 + 1))
    principal = _money(rng, 400, 2500)
    interest = (principal * Decimal("0.012")).quantize(Decimal("0.01"))
    items = []
    for k in range(n_items):
        due = overdue_since + timedelta(days=30 * k)
        if due >= as_of:
            break
        paid = _money(rng, 50, 300) if k == 0 and rng.random() < 0.4 else Decimal("0.00")
        fee = Decimal("0.00") if k == n_items - 1 and due > as_of - timedelta(days=5) else Decimal("35.00")
        items.append(ArrearsItem(installment=7 + k, due_date=due, principal=principal, interest=interest, fee=fee,
                                 paid=paid))
    loan_id = f"LN{2025_000_000 + seq:010d}"
    customer_id = f"C{8_000_000 + seq:08d}"
    if language == "zh-CN":
        province, city, street, postal = _CITIES[seq % len(_CITIES)]
        name = _SURNAMES[seq % len(_SURNAMES)] + _GIVEN[(seq * 7) % len(_GIVEN)] + (
            _GIVEN[(seq * 13) % len(_GIVEN)] if seq % 3 else "")
        recipient = Recipient(name=name, address_lines=(f"{street}{rng.randint(1, 999)}号",
                                                        f"{rng.randint(1, 30)}栋{rng.randint(1, 28)}0{rng.randint(1, 6)}室"),
                              city=city, region=province if province != city else "", postal_code=postal, country="CN")
        hours = "每日 09:00–21:00"
    else:
        city, state, postal = _US[seq % len(_US)]
        name = f"{_FIRST[seq % len(_FIRST)]} {_LAST[(seq * 7) % len(_LAST)]}"
        recipient = Recipient(name=name, address_lines=(f"{rng.randint(10, 9999)} {_STREETS[seq % len(_STREETS)]}",)
                              + ((f"Apt {rng.randint(1, 40)}",) if seq % 2 else ()),
                              city=city, region=state, postal_code=postal, country="US")
        hours = "Monday to Friday 09:00–18:00"
    # sender and account: the packaged policy's lender, as a night's letters get them
    from pipelines.lender import packaged_lender

    lender = packaged_lender()
    currency = "CNY"
    bank = lender.payment(currency, language)
    payment = PaymentInstructions(bank_name=bank.bank_name, account_name=bank.account_name,
                                  account_number=bank.account_number, reference=loan_id, online=lender.payment_url,
                                  swift=bank.swift)
    validation = None
    if template == "validation_notice":
        base = sum((i.outstanding for i in items), Decimal("0")) + _money(rng, 1000, 8000)
        validation = ValidationDetails(
            itemization_date=as_of - timedelta(days=dpd),
            amount_on_itemization_date=base,
            creditor_on_itemization_date="Example Consumer Finance Co., Ltd.",
            current_creditor="Example Consumer Finance Co., Ltd.",
            account_number="****" + loan_id[-4:],
            interest_since=_money(rng, 20, 200), fees_since=Decimal("35.00"),
            payments_since=_money(rng, 0, 300), credits_since=Decimal("0.00"))
    return Letter(
        letter_id=f"L{as_of:%Y%m%d}-{seq:07d}", loan_id=loan_id, customer_id=customer_id, template=template,
        language=language, delivery=delivery, recipient=recipient, letter_date=as_of,
        reference=f"COL/{as_of:%Y%m%d}/{seq:07d}", currency=currency, arrears=tuple(items), dpd=dpd,
        payment=payment, contact_hours=hours, validation=validation,
        sender=Sender(**lender.letter_sender(language, recipient.country)))


def sample_letters(n: int, seed: int = 7, as_of: date = AS_OF, mix: bool = True) -> list[Letter]:
    """`n` letters spread over templates, languages and delivery classes the way a night might be:
    mostly first reminders, fewer demands, a few validation notices, some registered mail."""
    rng = random.Random(seed)
    weights = {"first_reminder": 55, "formal_demand": 25, "final_demand": 12, "validation_notice": 8}
    out = []
    for i in range(1, n + 1):
        template = rng.choices(list(weights), list(weights.values()))[0] if mix else "formal_demand"
        language = ("zh-CN" if rng.random() < 0.8 else "en") if mix else "zh-CN"
        delivery = ("registered" if template == "final_demand" or rng.random() < 0.05 else "standard") if mix \
            else "standard"
        out.append(sample_letter(template, language, delivery, seq=i, as_of=as_of, seed=seed * 1_000_003 + i))
    return out


def with_recipient(letter: Letter, **changes) -> Letter:
    return replace(letter, recipient=replace(letter.recipient, **changes))


__all__ = ["sample_letter", "sample_letters", "with_recipient", "TEMPLATES", "LANGUAGES", "DELIVERY_CLASSES"]
