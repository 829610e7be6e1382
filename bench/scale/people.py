"""Realistic people, companies and the near-duplicates real CRMs fill up with (no I/O).

Name lists come from Faker's locale providers, read once; every record is then put
together with one `random.Random`, which is far faster than calling Faker per row and
gives the same data for the same seed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from functools import cache, lru_cache

from faker.providers.person.de_DE import Provider as GermanNames
from faker.providers.person.en_US import Provider as EnglishNames
from faker.providers.person.es_ES import Provider as SpanishNames
from faker.providers.person.fr_FR import Provider as FrenchNames

TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "VP Sales",
    "VP Marketing",
    "Head of Operations",
    "Account Executive",
    "Sales Manager",
    "Marketing Manager",
    "Product Manager",
    "Software Engineer",
    "Data Analyst",
    "Procurement Manager",
    "Office Manager",
    "Customer Success Manager",
    "Founder",
    "Director of Finance",
    "HR Manager",
    "Consultant",
    "Purchasing Agent",
)
FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "gmx.de", "icloud.com")
COMPANY_WORDS = (
    "Systems",
    "Labs",
    "Logistics",
    "Partners",
    "Analytics",
    "Foods",
    "Energy",
    "Health",
    "Robotics",
    "Capital",
    "Media",
    "Works",
)
COMPANY_SUFFIXES = ("Inc", "LLC", "GmbH", "Ltd", "Group", "SA", "AG", "")
TLDS = ("com", "com", "com", "io", "de", "co.uk", "fr", "net")
PHONE_FORMATS = ("+1 {a} {b}-{c}", "({a}) {b}-{c}", "+1-{a}-{b}-{c}", "{a}.{b}.{c}")


@cache
def first_names() -> tuple[str, ...]:
    """First names of four locales, most of them English."""
    names = list(EnglishNames.first_names)
    for provider in (GermanNames, FrenchNames, SpanishNames):
        names += list(provider.first_names)[:300]
    return tuple(dict.fromkeys(n for n in names if " " not in n))


@cache
def last_names() -> tuple[str, ...]:
    """Last names of four locales, most of them English."""
    names = list(EnglishNames.last_names)
    for provider in (GermanNames, FrenchNames, SpanishNames):
        names += list(provider.last_names)[:300]
    return tuple(dict.fromkeys(n for n in names if " " not in n))


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """ASCII lowercase letters and digits only: what an email local part is made from."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


def company_name(rng: random.Random) -> str:
    """`Miller Analytics GmbH`, `Garcia-Weber Ltd`, ..."""
    last = last_names()
    if rng.random() < 0.3:
        base = f"{rng.choice(last)}-{rng.choice(last)}"
    else:
        base = f"{rng.choice(last)} {rng.choice(COMPANY_WORDS)}"
    suffix = rng.choice(COMPANY_SUFFIXES)
    return f"{base} {suffix}" if suffix else base


def phone(rng: random.Random) -> str:
    """A North American number in one of several common spellings."""
    return rng.choice(PHONE_FORMATS).format(
        a=rng.randint(201, 989), b=rng.randint(200, 999), c=f"{rng.randint(0, 9999):04d}"
    )


def reformat_phone(number: str, rng: random.Random) -> str:
    """The same digits spelled another way (what a second import of a contact looks like)."""
    digits = re.sub(r"\D", "", number)[-10:]
    return rng.choice(PHONE_FORMATS).format(a=digits[:3], b=digits[3:6], c=digits[6:])


def typo(name: str, rng: random.Random) -> str:
    """The name with one slip of the keyboard: swapped, dropped or doubled letter."""
    if len(name) < 4:
        return name + name[-1]
    at = rng.randint(1, len(name) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    if kind == 1:
        return name[:at] + name[at + 1 :]
    return name[:at] + name[at] + name[at:]


def corporate_local(first: str, last: str, rng: random.Random) -> str:
    """`john.smith`, `jsmith` or `john`: the usual company address patterns."""
    f, lst = slug(first) or "x", slug(last) or "x"
    pattern = rng.random()
    if pattern < 0.6:
        return f"{f}.{lst}"
    if pattern < 0.9:
        return f"{f[0]}{lst}"
    return f


def gmail_dot_variant(local: str, rng: random.Random) -> str:
    """The same Gmail mailbox spelled with the dots moved (Gmail ignores them)."""
    bare = local.replace(".", "")
    at = rng.randint(1, max(1, len(bare) - 1))
    return bare if "." in local else f"{bare[:at]}.{bare[at:]}"
