"""Deterministic random draws: weighted choices, Zipf ranks, allocation per district, dates."""

import datetime
import itertools
import random
from bisect import bisect
from collections.abc import Iterable

from partnerships.choices import DatePrecision


class Chooser:
    """Weighted choice among fixed options with precomputed cumulative weights (fast, stable)."""

    def __init__(self, weighted: Iterable[tuple[object, float]]):
        pairs = list(weighted)
        self.options = [option for option, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.options[bisect(self.cumulative, rng.random() * self.total)]


def zipf(options: list, exponent: float = 1.0) -> Chooser:
    """Rank r (from 1) gets weight 1/r^exponent: the first few options take most draws."""
    return Chooser((option, 1 / (rank**exponent)) for rank, option in enumerate(options, 1))


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), at least 1 each if possible."""
    floor = 1 if total >= len(weights) else 0
    spare = total - floor * len(weights)
    whole = sum(weights)
    shares = [spare * weight / whole for weight in weights]
    counts = [floor + int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (int(shares[i]) - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def spread(counts: list[int], rng: random.Random) -> list[int]:
    """District ids (1-based) of `sum(counts)` records, interleaved as real entry would be."""
    owners = [district for district, count in enumerate(counts, 1) for _ in range(count)]
    rng.shuffle(owners)
    return owners


def skewed(items: list, rng: random.Random, power: float = 2.0):
    """An item with the first ones (the oldest) far more likely: they had years to accumulate."""
    return items[int(len(items) * rng.random() ** power)]


def partial_date(
    rng: random.Random, first_year: int, last_year: int, precision: str
) -> datetime.date:
    """A date in the years given, stored as the models store that precision (1st, 1 January)."""
    year = rng.randint(first_year, last_year)
    if precision == DatePrecision.YEAR:
        return datetime.date(year, 1, 1)
    month = rng.randint(1, 12)
    if precision == DatePrecision.MONTH:
        return datetime.date(year, month, 1)
    return datetime.date(year, month, rng.randint(1, 28))


def later_date(start: datetime.date, years: int, precision: str) -> datetime.date:
    """`years` whole years after `start`, at `precision`: never before `start` when years >= 1."""
    if precision == DatePrecision.YEAR:
        return datetime.date(start.year + years, 1, 1)
    if precision == DatePrecision.MONTH:
        return datetime.date(start.year + years, start.month, 1)
    return datetime.date(start.year + years, start.month, start.day)


def date_text(value: datetime.date | None, precision: str) -> str:
    """The date as a Chinese source writes it, at the precision it knows."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year}年"
    if precision == DatePrecision.MONTH:
        return f"{value.year}年{value.month}月"
    return f"{value.year}年{value.month}月{value.day}日"
