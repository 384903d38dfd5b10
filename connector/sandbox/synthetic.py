"""Seeded synthetic B2B CRM data: people, their companies and what they did, with a hidden propensity.

Every person is a pure function of ``(index, seed, now, activities_mean)``: ``person(i)`` builds one from
its own ``random.Random`` without touching any other person, so the CRM emulators can page lazily through a
million contacts, and ``people(n)`` streams them one at a time.

A hidden ``propensity`` (0..1) drives how much a person does, which kinds of things (pricing page, demo
request, webinar, meeting and email reply for high propensity), and how recently. ``outcome`` (none /
opportunity / customer) depends on propensity *and* fit (seniority, department, company size 50-5000,
target industry, business email), with noise, so a sensible scoring model finds signal and a naive one
does not find all of it. Competitors, students and personal email addresses are in the mix on purpose:
they are what disqualifiers exist for.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import accumulate

from connector.model import Activity, ActivityKind, Contact, Stage, contact_key

#: The instant used when ``now`` is None, so that output is the same on every machine and every day.
DEFAULT_NOW: datetime = datetime(2026, 11, 1, tzinfo=UTC)

#: How far back activities go.
ACTIVITY_WINDOW_DAYS = 180

#: Where the synthetic marketing site lives; activity urls are under it.
SITE = "https://example.com"

SENIORITIES: tuple[str, ...] = (
    "C-level",
    "VP",
    "Director",
    "Head of",
    "Manager",
    "Specialist",
    "Analyst",
    "Intern",
    "Student",
    "Consultant",
)
DEPARTMENTS: tuple[str, ...] = ("Marketing", "Sales", "RevOps", "IT", "Engineering", "Finance", "HR")
INDUSTRIES: tuple[str, ...] = (
    "Software",
    "SaaS",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Education",
    "Government",
    "Media",
    "Consulting",
)
#: Industries the synthetic vendor sells best into (part of the hidden fit that drives outcomes).
TARGET_INDUSTRIES: frozenset[str] = frozenset({"Software", "SaaS", "Financial Services", "Consulting"})
#: Departments that buy lead qualification (part of the hidden fit).
BUYER_DEPARTMENTS: frozenset[str] = frozenset({"Marketing", "Sales", "RevOps"})
LEAD_SOURCES: tuple[str, ...] = (
    "Organic Search",
    "Paid Search",
    "Social",
    "Referral",
    "Direct",
    "Email",
    "Events",
    "Partner",
)
PERSONAL_EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "proton.me",
)
#: (company, domain, industry, size) of the vendor's competitors: they sign up to look, never to buy.
COMPETITORS: tuple[tuple[str, str, str, int], ...] = (
    ("Competitor.io", "competitor.io", "SaaS", 140),
    ("RivalCRM", "rivalcrm.com", "Software", 850),
    ("LeadScorely", "leadscorely.com", "SaaS", 60),
)
COMPETITOR_DOMAINS: frozenset[str] = frozenset(c[1] for c in COMPETITORS)
OUTCOMES: tuple[str, ...] = ("none", "opportunity", "customer")

# Fractions of the population that are the awkward cases scoring must handle.
_P_STUDENT = 0.03
_P_COMPETITOR = 0.02
_P_PERSONAL_EMAIL = 0.04
_P_DO_NOT_CONTACT = 0.02
# CRM membership: ~50% HubSpot only, ~30% Salesforce only, ~20% both (same email in both).
_P_HUBSPOT_ONLY = 0.50
_P_BOTH = 0.20

_FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Daniel Karen Matthew Nancy Anthony Lisa Mark Betty Steven Sandra Paul "
    "Ashley Andrew Emily Joshua Michelle Kevin Amanda Brian Melissa Priya Arjun Sofia Lucas Emma Noah Mia "
    "Liam Hannah Felix Clara Jonas Lea Hugo Chloe Louis Camille Yuki Haruto Sakura Ren Ana Pedro Lucia "
    "Mateo Ingrid Lars Astrid Erik Fatima Omar Aisha Wei Mei Chen"
).split()
_LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson Taylor "
    "Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Walker Hall Young King Wright Scott "
    "Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Patel Sharma Singh Kumar Muller Schmidt "
    "Schneider Fischer Weber Dubois Moreau Laurent Bernard Rossi Silva Santos Oliveira Costa Tanaka Suzuki "
    "Sato Kim Nguyen Andersson Johansson Larsen Jansen Devries Bakker Novak Kowalski Ahmed Khan Lopez"
).split()

# Company names are built from an index so that 50,000 companies get distinct names and domains.
_CO_PREFIX = (
    "North Blue Bright Silver Iron Green Red Swift Clear Summit Harbor Pine Cedar Stone River Apex "
    "Nova Atlas Polar Solar Lunar Echo Vector Quantum Prime Orbit Pixel Cobalt Amber Crimson Golden Hyper "
    "Meta Omni Terra Aero Alpha Delta Sigma Zenith Falcon Eagle Fox Wolf Bear Lion Oak Maple Willow"
).split()
_CO_CORE = (
    "wind bridge path point field gate line wave peak forge works stack base flow grid loop mark sight "
    "scale craft shift spark leaf rock star light"
).split()
_CO_TAIL = (
    "", "Labs", "Systems", "Group", "Technologies", "Solutions", "Partners", "Analytics", "Health",
    "Capital", "Retail", "Media", "Software", "Industries", "Networks", "Digital", "Cloud", "Data",
    "Consulting", "Logistics", "Energy", "Bank", "Studios", "Works", "Holdings", "Dynamics", "Ventures",
    "Robotics", "Foods", "Motors", "Security", "Learning", "Insights", "Finance", "Global", "Direct",
    "Interactive", "Commerce", "Pharma", "Mobility",
)  # fmt: skip
_N_COMPANIES = len(_CO_PREFIX) * len(_CO_CORE) * len(_CO_TAIL)  # 50 * 25 * 40 = 50,000
_UNIVERSITIES = ("Northfield", "Lakeside", "Westbrook", "Eastgate", "Riverside", "Hillcrest", "Bayview")

# (country, weight, phone prefix)
_COUNTRIES = (
    ("US", 38, "+1"), ("GB", 10, "+44"), ("DE", 8, "+49"), ("FR", 6, "+33"), ("CA", 6, "+1"),
    ("AU", 5, "+61"), ("NL", 4, "+31"), ("IN", 6, "+91"), ("BR", 4, "+55"), ("ES", 3, "+34"),
    ("SE", 3, "+46"), ("JP", 3, "+81"), ("IT", 2, "+39"), ("SG", 2, "+65"),
)  # fmt: skip
_COUNTRY_CODES = tuple(c[0] for c in _COUNTRIES)
_COUNTRY_CUM = tuple(accumulate(c[1] for c in _COUNTRIES))
_PHONE_PREFIX = {c[0]: c[2] for c in _COUNTRIES}

_INDUSTRY_CUM = tuple(accumulate((16, 16, 10, 9, 9, 8, 6, 4, 6, 8)))
_LEAD_SOURCE_CUM = tuple(accumulate((26, 16, 12, 10, 12, 10, 8, 6)))
_DEPARTMENT_CUM = tuple(accumulate((26, 20, 8, 14, 14, 10, 8)))
# Seniority weights (students and the competitor/personal cases are drawn separately); small companies
# are mostly founders and generalists, big ones have layers of managers and specialists.
_SENIORITY_CUM_SMALL = tuple(accumulate((30, 4, 8, 6, 14, 12, 8, 4, 0, 14)))
_SENIORITY_CUM_LARGE = tuple(accumulate((3, 7, 13, 9, 24, 18, 14, 5, 0, 7)))

# Hidden fit: how much the vendor wants this person, whatever they do.
_SENIORITY_FIT = {
    "C-level": 1.0, "VP": 1.0, "Director": 0.9, "Head of": 0.85, "Manager": 0.6, "Specialist": 0.35,
    "Analyst": 0.3, "Intern": 0.05, "Student": 0.0, "Consultant": 0.3,
}  # fmt: skip

_C_LEVEL_TITLES = {
    "Marketing": "Chief Marketing Officer", "Sales": "Chief Revenue Officer",
    "RevOps": "Chief Revenue Officer", "IT": "Chief Information Officer",
    "Engineering": "Chief Technology Officer",
    "Finance": "Chief Financial Officer", "HR": "Chief People Officer",
}  # fmt: skip
_DEPT_WORDS = {
    "Marketing": ("Marketing", "Demand Generation", "Marketing Operations", "Growth"),
    "Sales": ("Sales", "Sales Development", "Business Development", "Inside Sales"),
    "RevOps": ("Revenue Operations", "Sales Operations", "RevOps", "CRM"),
    "IT": ("IT", "Information Technology", "IT Operations", "Systems"),
    "Engineering": ("Engineering", "Software Engineering", "Platform", "Data Engineering"),
    "Finance": ("Finance", "Financial Planning", "Accounting", "Procurement"),
    "HR": ("HR", "People", "Talent Acquisition", "People Operations"),
}

# Activity kinds with (weight at propensity 0, weight at propensity 1): low-intent browsing and email
# opens dominate for everyone, high-intent kinds grow with propensity.
_KIND_WEIGHTS: tuple[tuple[ActivityKind, float, float], ...] = (
    (ActivityKind.PAGE_VIEW, 40.0, 24.0),
    (ActivityKind.VISIT, 18.0, 11.0),
    (ActivityKind.PRICING_PAGE_VIEW, 0.4, 6.0),
    (ActivityKind.CONTENT_VIEW, 8.0, 9.0),
    (ActivityKind.CONTENT_DOWNLOAD, 1.5, 5.0),
    (ActivityKind.FORM_SUBMISSION, 1.2, 3.0),
    (ActivityKind.NEWSLETTER_SIGNUP, 0.8, 0.6),
    (ActivityKind.WEBINAR_REGISTERED, 0.6, 3.0),
    (ActivityKind.WEBINAR_ATTENDED, 0.2, 2.5),
    (ActivityKind.EVENT_ATTENDED, 0.2, 1.2),
    (ActivityKind.EMAIL_OPEN, 22.0, 13.0),
    (ActivityKind.EMAIL_CLICK, 3.5, 6.0),
    (ActivityKind.EMAIL_REPLY, 0.15, 3.0),
    (ActivityKind.EMAIL_BOUNCE, 0.5, 0.1),
    (ActivityKind.UNSUBSCRIBE, 0.15, 0.01),
    (ActivityKind.MEETING, 0.05, 2.5),
    (ActivityKind.CALL, 0.2, 2.0),
    (ActivityKind.DEMO_REQUEST, 0.05, 1.5),
    (ActivityKind.CHAT, 0.3, 1.2),
)
_KIND_BUCKETS = 20
_KINDS = tuple(k.value for k, _, _ in _KIND_WEIGHTS)
# One cumulative weight table per propensity bucket, computed once: rng.choices with cum_weights is the
# fast path, and interpolating weights per person would cost more than the activities themselves.
# The mix moves with propensity ** 1.6 rather than linearly: meetings and demo requests stay rare in the
# middle of the population and concentrate among the keenest, as sales-worked leads do.
_KIND_CUM_BY_BUCKET = tuple(
    tuple(accumulate(lo + (hi - lo) * ((b + 0.5) / _KIND_BUCKETS) ** 1.6 for _, lo, hi in _KIND_WEIGHTS))
    for b in range(_KIND_BUCKETS)
)

# Propensity ~ Beta(a, b); its mean is used to scale activity volume so the population mean is exact.
_PROP_A, _PROP_B = 1.3, 3.0
_PROP_MEAN = _PROP_A / (_PROP_A + _PROP_B)
# Activity rate multiplier (c + p) / (c + E[p]): E[multiplier] = 1, a 5x spread from p=0 to p=1.
_RATE_C = 0.25

_BLOG = (
    "lead-scoring-101", "mql-vs-sql", "bant-is-not-dead", "hubspot-salesforce-sync", "revops-metrics",
    "lifecycle-stages-explained", "score-decay", "predictive-lead-scoring", "sales-marketing-sla",
    "crm-data-hygiene", "webhooks-for-revops", "intent-signals", "account-based-marketing",
    "lead-routing", "pipeline-forecasting",
)  # fmt: skip
_DOCS = ("getting-started", "mappings", "scoring-model", "webhooks", "api", "self-hosting", "faq")
_CASES = ("northwind-fintech", "acme-saas", "globex-manufacturing", "initech-healthcare", "umbrella-retail")
_PRODUCT = ("scoring", "integrations", "webhooks", "reports", "security")
_TOPICS = ("lead-scoring", "revops-playbook", "mql-definition", "crm-hygiene", "alignment", "predictive")
_CAMPAIGNS = (
    "2026-q3-lead-scoring-webinar", "2026-q4-revops-summit", "nurture-ebook-series", "product-launch-oct",
    "newsletter-weekly", "retargeting-pricing", "partner-cosell", "brand-search", "competitor-conquest",
)  # fmt: skip
_EVENTS = ("revops-summit-2026", "saastr-europa", "dreamforce", "inbound-2026", "local-meetup")
_SUBJECTS = (
    "Your lead scoring guide", "Webinar: MQL to SQL in 30 days", "Quick question", "Following up",
    "RevOps newsletter", "Pricing for your team", "Case study: 2x pipeline", "Re: demo next week",
)  # fmt: skip
_CALL_SUBJECTS = ("Discovery call", "Intro call", "Follow-up call", "Pricing discussion")
_MEETING_SUBJECTS = ("Discovery meeting", "Product demo", "Technical deep dive", "Commercial review")
_CHAT_SUBJECTS = ("Pricing question", "Integration question", "Support request", "Talk to sales")
_FORMS = ("contact-us", "newsletter", "demo-request", "ebook-download")


def _detail_pools() -> dict[str, tuple[dict[str, str], ...]]:
    """Every detail dict an activity of each kind can carry, built once; activities copy one."""
    pages = (
        [f"{SITE}/", f"{SITE}/about", f"{SITE}/careers", f"{SITE}/pricing"]
        + [f"{SITE}/blog/{s}" for s in _BLOG]
        + [f"{SITE}/docs/{s}" for s in _DOCS]
        + [f"{SITE}/case-studies/{s}" for s in _CASES]
        + [f"{SITE}/product/{s}" for s in _PRODUCT]
    )
    landings = [f"{SITE}/", f"{SITE}/product/scoring", f"{SITE}/blog/{_BLOG[0]}", f"{SITE}/pricing"]
    content = [{"url": f"{SITE}/blog/{s}", "content_id": f"blog-{s}"} for s in _BLOG] + [
        {"url": f"{SITE}/case-studies/{s}", "content_id": f"case-study-{s}"} for s in _CASES
    ]
    pools: dict[str, list[dict[str, str]]] = {
        "page_view": [{"url": u} for u in pages],
        "visit": [{"url": u} for u in landings] + [{"url": u, "campaign": c} for u in landings for c in _CAMPAIGNS],
        "pricing_page_view": [{"url": f"{SITE}/pricing"}, {"url": f"{SITE}/pricing#enterprise"}],
        "content_view": content,
        "content_download": [
            {
                "content_id": f"ebook-{t}",
                "url": f"{SITE}/resources/ebook-{t}",
                "form": "ebook-download",
                "campaign": c,
            }
            for t in _TOPICS
            for c in _CAMPAIGNS[:4]
        ],
        "form_submission": [{"form": f, "url": f"{SITE}/{f}"} for f in _FORMS],
        "newsletter_signup": [{"form": "newsletter", "campaign": "newsletter-weekly"}],
        "webinar_registered": [{"content_id": f"webinar-{t}", "campaign": f"webinar-{t}"} for t in _TOPICS],
        "webinar_attended": [{"content_id": f"webinar-{t}", "campaign": f"webinar-{t}"} for t in _TOPICS],
        "event_attended": [{"campaign": e} for e in _EVENTS],
        "email_open": [{"subject": s, "campaign": c, "direction": "outbound"} for s in _SUBJECTS for c in _CAMPAIGNS],
        "email_click": [
            {"subject": s, "campaign": c, "direction": "outbound", "url": u}
            for s in _SUBJECTS[:4]
            for c in _CAMPAIGNS
            for u in landings
        ],
        "email_reply": [{"subject": f"Re: {s}", "direction": "inbound"} for s in _SUBJECTS],
        "email_bounce": [{"subject": s, "direction": "outbound"} for s in _SUBJECTS],
        "unsubscribe": [{"campaign": c} for c in _CAMPAIGNS],
        "meeting": [{"subject": s} for s in _MEETING_SUBJECTS],
        "call": [{"subject": s, "direction": d} for s in _CALL_SUBJECTS for d in ("outbound", "inbound")],
        "demo_request": [
            {"form": "demo-request", "url": f"{SITE}/demo"},
            {"form": "demo-request", "url": f"{SITE}/pricing"},
        ],
        "chat": [{"subject": s, "url": u, "direction": "inbound"} for s in _CHAT_SUBJECTS for u in landings],
    }
    return {kind: tuple(pool) for kind, pool in pools.items()}


_DETAIL_POOLS = _detail_pools()

_BUDGETS = ("Approved", "Under review", "$10k-$50k", "$50k+", "No budget yet")
_AUTHORITIES = ("Decision maker", "Economic buyer", "Champion", "Influencer", "No authority")
_NEEDS = (
    "Replace spreadsheet lead scoring", "Align MQL definition across teams", "Sync HubSpot and Salesforce",
    "Faster lead routing", "Explainable scores for reps",
)  # fmt: skip
_TIMELINES = ("This quarter", "Next quarter", "This year", "Next year", "No timeline")
_PAIN_POINTS = (
    "Sales ignores MQLs", "Duplicate leads across CRMs", "Scores nobody trusts", "Slow follow-up",
    "Manual qualification in spreadsheets", "No visibility into pipeline sources",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticActivity:
    """One thing a synthetic person did: ``kind`` is an ``ActivityKind`` value, ``occurred_at`` is UTC."""

    kind: str
    occurred_at: datetime
    source_id: str
    detail: dict[str, str]


@dataclass(frozen=True, slots=True)
class Person:
    """One synthetic B2B contact with the hidden truth behind it.

    ``propensity`` and ``outcome`` are the ground truth a scoring model is judged against; ``to_common``
    never copies propensity into the common model. ``in_hubspot``/``in_salesforce`` say which emulated CRMs
    hold this person (about 20% are in both, under the same email).
    """

    index: int
    email: str
    first_name: str
    last_name: str
    job_title: str
    seniority: str
    department: str
    company: str
    company_domain: str
    company_size: int
    industry: str
    country: str
    lead_source: str
    phone: str
    created_at: datetime
    updated_at: datetime
    propensity: float
    outcome: str
    budget: str | None
    authority: str | None
    need: str | None
    timeline: str | None
    pain_points: str | None
    do_not_contact: bool
    in_hubspot: bool
    in_salesforce: bool
    activities: tuple[SyntheticActivity, ...]


@lru_cache(maxsize=65_536)
def _company(seed: int, cidx: int) -> tuple[str, str, int, str, str]:
    """(name, domain, size, industry, country) of company ``cidx``; cached because people share companies."""
    rng = random.Random(seed * 1_000_033 + 7_919 * cidx + 1)
    # A seed-dependent bijection over the name space, so another seed names companies differently.
    n = (cidx * 7_919 + seed) % _N_COMPANIES
    prefix = _CO_PREFIX[n % len(_CO_PREFIX)]
    core = _CO_CORE[(n // len(_CO_PREFIX)) % len(_CO_CORE)]
    tail = _CO_TAIL[n // (len(_CO_PREFIX) * len(_CO_CORE))]
    name = f"{prefix}{core}" + (f" {tail}" if tail else "")
    domain = f"{prefix}{core}{tail}".lower() + rng.choice((".com", ".com", ".com", ".io", ".co", ".net"))
    # Log-normal around a median of ~90 employees: most companies are small, a long tail is huge.
    size = max(1, min(250_000, int(math.exp(rng.gauss(4.5, 1.8)))))
    industry = rng.choices(INDUSTRIES, cum_weights=_INDUSTRY_CUM)[0]
    country = rng.choices(_COUNTRY_CODES, cum_weights=_COUNTRY_CUM)[0]
    return name, domain, size, industry, country


def _job_title(rng: random.Random, seniority: str, department: str) -> str:
    """A realistic title for a seniority and department ("VP Demand Generation", "CRM Specialist")."""
    word = rng.choice(_DEPT_WORDS[department])
    match seniority:
        case "C-level":
            return rng.choice((_C_LEVEL_TITLES[department], "CEO", "Founder", "COO"))
        case "VP":
            return rng.choice((f"VP {word}", f"VP of {word}", f"SVP {word}"))
        case "Director":
            return rng.choice((f"Director of {word}", f"{word} Director", f"Senior Director, {word}"))
        case "Head of":
            return f"Head of {word}"
        case "Manager":
            return rng.choice((f"{word} Manager", f"Senior {word} Manager"))
        case "Specialist":
            return rng.choice((f"{word} Specialist", f"{word} Coordinator", f"{word} Associate"))
        case "Analyst":
            return rng.choice((f"{word} Analyst", f"Senior {word} Analyst"))
        case "Intern":
            return f"{word} Intern"
        case "Student":
            return rng.choice(("Student", "MBA Student", f"{department} Student"))
        case _:
            return rng.choice(("Consultant", f"{word} Consultant", "Independent Consultant"))


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw: exact (Knuth) for the usual rates, normal approximation for large ones."""
    if lam <= 0.0:
        return 0
    if lam > 60.0:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    prod = rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _fit(seniority: str, department: str, company_size: int, industry: str, personal_email: bool) -> float:
    """How much the vendor wants this person (0..1), whatever they do: role, company, industry, domain."""
    size_fit = 1.0 if 50 <= company_size <= 5_000 else 0.5 if 11 <= company_size <= 20_000 else 0.15
    fit = (
        0.35 * _SENIORITY_FIT[seniority]
        + 0.30 * size_fit
        + 0.20 * (1.0 if industry in TARGET_INDUSTRIES else 0.3)
        + 0.15 * (1.0 if department in BUYER_DEPARTMENTS else 0.4)
    )
    return fit * 0.6 if personal_email else fit


def _outcome(rng: random.Random, propensity: float, fit: float, can_buy: bool) -> str:
    """none / opportunity / customer: logistic in propensity and fit, with person-level noise.

    The intercepts are calibrated for ~8% opportunity and ~3% customer over the population.
    """
    logit = -7.55 + 5.0 * propensity + 5.0 * fit + rng.gauss(0.0, 0.5)
    # Draw even when the person cannot buy, so that the random stream (and everything after) stays aligned.
    converts = rng.random() < 1.0 / (1.0 + math.exp(-logit)) and can_buy
    customer = rng.random() < 1.0 / (1.0 + math.exp(2.9 - 2.0 * propensity - 1.2 * fit))
    if not converts:
        return "none"
    return "customer" if customer else "opportunity"


def _activities(
    rng: random.Random, index: int, now: datetime, propensity: float, window_s: int, activities_mean: float
) -> tuple[SyntheticActivity, ...]:
    """What the person did in the last ``window_s`` seconds before ``now``, oldest first.

    The hot loop of the benchmark: weights come from precomputed cumulative tables and details are copied
    from prebuilt pools, because anything computed per activity costs two million times.
    """
    lam = activities_mean * (_RATE_C + propensity) / (_RATE_C + _PROP_MEAN)
    count = _poisson(rng, lam)
    if not count:
        return ()
    rand = rng.random
    cum_kinds = _KIND_CUM_BY_BUCKET[min(int(propensity * _KIND_BUCKETS), _KIND_BUCKETS - 1)]
    kinds = rng.choices(_KINDS, cum_weights=cum_kinds, k=count)
    # The exponent skews keen people towards recent activity and idle ones towards old activity, which is
    # what decay rules look for.
    skew = 0.6 + 2.4 * propensity
    ages = sorted((int(window_s * rand() ** skew) for _ in range(count)), reverse=True)
    pools = _DETAIL_POOLS
    built = []
    for n, (kind, ago) in enumerate(zip(kinds, ages, strict=True)):
        pool = pools[kind]
        detail = dict(pool[int(rand() * len(pool))])  # a copy: callers may mutate their dict
        built.append(SyntheticActivity(kind, now - timedelta(seconds=ago), f"act-{index}-{n}", detail))
    return tuple(built)


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return DEFAULT_NOW
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware (UTC), got naive {now.isoformat()}; pass tzinfo=UTC")
    return now.astimezone(UTC)


def person(index: int, seed: int = 7, now: datetime | None = None, activities_mean: float = 20.0) -> Person:
    """Synthetic person number ``index``: the same arguments always give the same person.

    ``now`` (UTC-aware, default ``DEFAULT_NOW``) anchors all dates; activities fall in the
    ``ACTIVITY_WINDOW_DAYS`` before it. ``activities_mean`` is the population mean of activities per person.
    """
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    if activities_mean < 0:
        raise ValueError(f"activities_mean must be >= 0, got {activities_mean}")
    now = _utc(now)
    # A hash-free integer seed: Python's hash() is salted per process and would break reproducibility.
    rng = random.Random(seed * 1_000_003 + index)
    rand = rng.random

    # Who they are. Everything here is drawn before the activities, so changing activities_mean or now
    # changes what people did and when, never who they are.
    first = _FIRST_NAMES[int(rand() * len(_FIRST_NAMES))]
    last = _LAST_NAMES[int(rand() * len(_LAST_NAMES))]
    department = rng.choices(DEPARTMENTS, cum_weights=_DEPARTMENT_CUM)[0]
    # Skewed towards low indices so that a few accounts have many contacts, as in a real CRM.
    cidx = int(_N_COMPANIES * rand() ** 1.5)
    company, company_domain, company_size, industry, country = _company(seed, cidx)
    if rand() < 0.15:  # remote staff and branch offices
        country = rng.choices(_COUNTRY_CODES, cum_weights=_COUNTRY_CUM)[0]
    cum = _SENIORITY_CUM_SMALL if company_size <= 50 else _SENIORITY_CUM_LARGE
    seniority = rng.choices(SENIORITIES, cum_weights=cum)[0]
    email_domain = company_domain
    kind_of_person = rand()
    competitor = False
    if kind_of_person < _P_STUDENT:
        seniority = "Student"
        uni = rng.choice(_UNIVERSITIES)
        company, company_domain = f"{uni} University", f"{uni.lower()}.edu"
        company_size, industry = 20_000, "Education"
        email_domain = company_domain
    elif kind_of_person < _P_STUDENT + _P_COMPETITOR:
        competitor = True
        company, company_domain, industry, company_size = rng.choice(COMPETITORS)
        email_domain = company_domain
    elif kind_of_person < _P_STUDENT + _P_COMPETITOR + _P_PERSONAL_EMAIL:
        email_domain = rng.choice(PERSONAL_EMAIL_DOMAINS)
    job_title = _job_title(rng, seniority, department)
    # The index makes every email unique (emulators dedupe on email); names hold no digits, so no two
    # formats can produce the same local part.
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}")).lower()
    email = f"{local}{index}@{email_domain}"
    phone = (
        f"{_PHONE_PREFIX[country]} {rng.randrange(200, 1000)} {rng.randrange(100, 1000)} {rng.randrange(1000, 10000)}"
    )
    lead_source = rng.choices(LEAD_SOURCES, cum_weights=_LEAD_SOURCE_CUM)[0]

    # The hidden truth.
    propensity = rng.betavariate(_PROP_A, _PROP_B)
    fit = _fit(seniority, department, company_size, industry, email_domain in PERSONAL_EMAIL_DOMAINS)
    outcome = _outcome(rng, propensity, fit, can_buy=not competitor and seniority != "Student")

    # Sales fill BANT for the people they work: mostly empty, more often for keen or converted people.
    p_bant = 0.02 + 0.35 * propensity * propensity + (0.45 if outcome != "none" else 0.0)
    budget = rng.choice(_BUDGETS) if rand() < p_bant else None
    authority = rng.choice(_AUTHORITIES) if rand() < p_bant else None
    need = rng.choice(_NEEDS) if rand() < p_bant else None
    timeline = rng.choice(_TIMELINES) if rand() < p_bant else None
    pain_points = rng.choice(_PAIN_POINTS) if rand() < p_bant else None

    u = rand()
    in_hubspot = u < _P_HUBSPOT_ONLY + _P_BOTH
    in_salesforce = u >= _P_HUBSPOT_ONLY
    do_not_contact = rand() < _P_DO_NOT_CONTACT

    # When: created 1 day to ~4 years ago (exponential, mean 300 days).
    age_s = int(86_400 * min(1_500.0, 1.0 + rng.expovariate(1 / 300)))
    created_at = now - timedelta(seconds=age_s)

    # What they did, inside the window and after creation.
    window_s = min(age_s, ACTIVITY_WINDOW_DAYS * 86_400)
    activities = _activities(rng, index, now, propensity, window_s, activities_mean)
    if any(a.kind == "unsubscribe" for a in activities):
        do_not_contact = True

    # The CRM touches the record after the last thing that happened to it, usually soon after; a person
    # with no activity was last touched somewhere between creation and now.
    if activities:
        last_ago = int((now - activities[-1].occurred_at).total_seconds())
        updated_ago = int(last_ago * (1.0 - rand() ** 3))
    else:
        updated_ago = int(age_s * (1.0 - rand()))
    updated_at = now - timedelta(seconds=updated_ago)

    return Person(
        index=index,
        email=email,
        first_name=first,
        last_name=last,
        job_title=job_title,
        seniority=seniority,
        department=department,
        company=company,
        company_domain=company_domain,
        company_size=company_size,
        industry=industry,
        country=country,
        lead_source=lead_source,
        phone=phone,
        created_at=created_at,
        updated_at=updated_at,
        propensity=propensity,
        outcome=outcome,
        budget=budget,
        authority=authority,
        need=need,
        timeline=timeline,
        pain_points=pain_points,
        do_not_contact=do_not_contact,
        in_hubspot=in_hubspot,
        in_salesforce=in_salesforce,
        activities=activities,
    )


def people(
    n: int,
    seed: int = 7,
    now: datetime | None = None,
    activities_mean: float = 20.0,
    *,
    start: int = 0,
) -> Iterator[Person]:
    """Persons ``start`` .. ``start + n - 1``, lazily: only one is held in memory at a time."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    now = _utc(now)
    for index in range(start, start + n):
        yield person(index, seed, now, activities_mean)


# Revenue per employee by industry, to give Contact.annual_revenue a plausible value.
_REVENUE_PER_EMPLOYEE = {
    "Software": 220_000, "SaaS": 200_000, "Financial Services": 350_000, "Healthcare": 150_000,
    "Manufacturing": 250_000, "Retail": 180_000, "Education": 90_000, "Government": 100_000,
    "Media": 160_000, "Consulting": 170_000,
}  # fmt: skip
_OUTCOME_STAGE = {"none": Stage.LEAD, "opportunity": Stage.OPPORTUNITY, "customer": Stage.CUSTOMER}


def to_common(p: Person, source: str = "synthetic", object_type: str = "contact") -> tuple[Contact, list[Activity]]:
    """The person as the common model, keyed ``source:object_type:index``; propensity stays hidden.

    ``has_open_deal``/``has_won_deal`` and ``crm_stage`` come from the outcome (an opportunity has an open
    deal, a customer a won one), as they would from a CRM's deal records.
    """
    key = contact_key(source, object_type, p.index)
    contact = Contact(
        key=key,
        email=p.email,
        first_name=p.first_name,
        last_name=p.last_name,
        job_title=p.job_title,
        seniority=p.seniority,
        department=p.department,
        company=p.company,
        company_domain=p.company_domain,
        company_size=p.company_size,
        annual_revenue=float(p.company_size * _REVENUE_PER_EMPLOYEE[p.industry]),
        industry=p.industry,
        country=p.country,
        lead_source=p.lead_source,
        phone=p.phone,
        website=f"https://{p.company_domain}",
        created_at=p.created_at,
        updated_at=p.updated_at,
        crm_stage=_OUTCOME_STAGE[p.outcome],
        budget=p.budget,
        authority=p.authority,
        need=p.need,
        timeline=p.timeline,
        pain_points=p.pain_points,
        do_not_contact=p.do_not_contact,
        has_open_deal=p.outcome == "opportunity",
        has_won_deal=p.outcome == "customer",
    )
    activities = [Activity(key, ActivityKind(a.kind), a.occurred_at, a.source_id, dict(a.detail)) for a in p.activities]
    return contact, activities
