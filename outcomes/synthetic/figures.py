"""Synthetic outcomes and targets, attributed to the records of a `Registry`.

Outcomes mix itemised records (one patent with its application number, one software copyright,
one standard) with reported figures in every unit their kind allows, each with the qualifier and
time basis a source gives and a passage that states it; targets are plans, some without a number.
"""

import datetime
import itertools
from collections.abc import Iterator
from decimal import Decimal

from outcomes.choices import (
    Basis,
    EnterpriseCategory,
    OutcomeForm,
    OutcomeKind,
    PatentStatus,
    PatentType,
    StandardLevel,
    Unit,
)
from outcomes.models import Outcome, Target
from outcomes.synthetic import vocabulary as words
from outcomes.synthetic.draws import date_text, partial_date
from outcomes.synthetic.identifiers import (
    patent_number,
    scrambled,
    software_copyright_number,
    standard_number,
)
from outcomes.synthetic.registry import Registry
from partnerships.choices import DatePrecision, Qualifier

LAST_YEAR = words.LAST_YEAR


def coverage() -> list[dict]:
    """Forced choices for the first outcomes: every kind in every unit it allows, every
    qualifier and basis, patent type and status, standard level and enterprise category."""
    rows = []
    pairs = [(kind, unit) for kind in OutcomeKind.values for unit in words.KIND_UNITS[kind]]
    for index, (kind, unit) in enumerate(pairs):
        rows.append(
            {
                "kind": kind,
                "form": OutcomeForm.REPORTED,
                "unit": unit,
                "qualifier": Qualifier.values[index % len(Qualifier.values)],
                "basis": Basis.values[index % len(Basis.values)],
            }
        )
    for patent_type, status in zip(PatentType.values, PatentStatus.values, strict=True):
        rows.append(
            {
                "kind": OutcomeKind.PATENT,
                "form": OutcomeForm.ITEM,
                "patent_type": patent_type,
                "patent_status": status,
            }
        )
    rows.append({"kind": OutcomeKind.SOFTWARE_COPYRIGHT, "form": OutcomeForm.ITEM})
    for level in StandardLevel.values:
        rows.append({"kind": OutcomeKind.STANDARD, "form": OutcomeForm.ITEM, "level": level})
    for category in EnterpriseCategory.values:
        rows.append(
            {
                "kind": OutcomeKind.ENTERPRISES_CULTIVATED,
                "form": OutcomeForm.REPORTED,
                "unit": Unit.ENTERPRISE,
                "enterprise_category": category,
            }
        )
    return rows


class Figures:
    def __init__(self, registry: Registry):
        self.registry = registry

    def tables(self) -> list:
        scale = self.registry.scale
        return [
            (Outcome, self.outcome_rows, scale.outcomes),
            (Target, self.target_rows, scale.targets),
        ]

    def outcome_rows(self) -> Iterator[dict]:
        registry = self.registry
        rng = registry.rng("outcomes")
        owners = registry.owner["outcomes"]
        forced_rows = coverage()
        # Identifiers are unique per registry: each numbered item takes the next serial.
        self.patent_serials = itertools.count()
        self.software_serials = itertools.count()
        self.standard_serials = itertools.count(1)
        for index, district_id in enumerate(owners):
            forced = forced_rows[index] if index < len(forced_rows) else {}
            kind = forced.get("kind") or words.OUTCOME_KIND(rng)
            form = forced.get("form") or (
                OutcomeForm.ITEM
                if kind in OutcomeKind.itemisable and rng.random() < 0.8
                else OutcomeForm.REPORTED
            )
            attributed, subject = registry.attribution(rng, district_id)
            row = {
                "id": index + 1,
                "district_id": district_id,
                "kind": kind,
                "form": form,
                "source_id": registry.source_of(rng, district_id),
                **attributed,
                **registry.publishable(rng, index, len(owners)),
            }
            if form == OutcomeForm.ITEM:
                row |= self.item(rng, kind, subject, forced)
            else:
                row |= self.reported(rng, kind, subject, forced)
            yield row

    def item(self, rng, kind: str, subject: str, forced: dict) -> dict:
        """One patent, software copyright or standard: quantity 1, exact, in items, filed (or
        registered, or issued) in one year, which its number carries too."""
        year = rng.randint(2010, LAST_YEAR)
        row = {
            "quantity": Decimal(1),
            "unit": Unit.ITEM,
            "qualifier": Qualifier.EXACT,
            "basis": Basis.INCREMENT,
            "period_start": datetime.date(year, 1, 1),
            "period_start_precision": DatePrecision.YEAR,
            "period_end": datetime.date(year, 1, 1),
            "period_end_precision": DatePrecision.YEAR,
        }
        numbered = rng.random() < 0.9
        if kind == OutcomeKind.PATENT:
            patent_type = forced.get("patent_type") or words.PATENT_TYPE(rng)
            status = forced.get("patent_status") or words.PATENT_STATUS(rng)
            title = f"一种{rng.choice(words.PATENT_MANNERS)}{rng.choice(words.PATENT_OBJECTS)}"
            label = words.PATENT_WORDS[patent_type]
            row |= {"patent_type": patent_type, "patent_status": status, "title": title}
            passage = f"{year}年,{subject}申请{label}“{title}”"
            if numbered:
                pct = rng.random() < 0.05 and patent_type != PatentType.DESIGN
                digit = words.PATENT_DIGITS[patent_type][1 if pct else 0]
                serial = scrambled(next(self.patent_serials), 10**7, 7_919, 1_234_567)
                row["patent_number"] = patent_number(year, digit, serial)
                passage += f",申请号{row['patent_number']}"
            row["description"] = label
        elif kind == OutcomeKind.SOFTWARE_COPYRIGHT:
            title = f"{rng.choice(words.SOFTWARE_DOMAINS)}系统V{rng.randint(1, 5)}.0"
            row |= {"title": title, "description": "软件著作权"}
            passage = f"{year}年,{subject}登记软件著作权“{title}”"
            if numbered:
                centre = ""
                if 2008 <= year <= 2011 and rng.random() < 0.2:
                    centre = rng.choice(words.SOFTWARE_CENTRES)
                serial = next(self.software_serials) * 7_919 + 4_242
                row["software_copyright_number"] = software_copyright_number(year, serial, centre)
                passage += f",登记号{row['software_copyright_number']}"
        else:
            level = forced.get("level") or words.STANDARD_LEVEL(rng)
            title = f"{rng.choice(words.STANDARD_OBJECTS)}{rng.choice(words.STANDARD_DOCUMENTS)}"
            row |= {"title": title, "description": "标准", "standard_level": level}
            passage = f"{year}年,{subject}主持制定《{title}》"
            # Only local standards are sometimes cited without their number.
            if numbered or level != StandardLevel.LOCAL:
                row["standard_number"] = standard_number(level, next(self.standard_serials), year)
                passage += f"({row['standard_number']})"
        row["source_passage"] = passage + "。"
        return row

    def reported(self, rng, kind: str, subject: str, forced: dict) -> dict:
        """A figure a source reports: a quantity with its unit, qualifier and time basis."""
        units = words.KIND_UNITS[kind]
        unit = forced.get("unit") or (units[0] if rng.random() < 0.8 else rng.choice(units))
        qualifier = forced.get("qualifier") or words.QUALIFIER(rng)
        quantity = self.quantity(rng, kind, unit)
        if qualifier != Qualifier.EXACT:
            quantity = words.round_figure(quantity, unit)
        reported_text = words.figure_text(quantity, unit, qualifier, rng)
        description = rng.choice(words.DESCRIPTIONS[kind])
        row = {
            "quantity": Decimal(quantity),
            "unit": unit,
            "qualifier": qualifier,
            "reported_text": reported_text,
            "description": description,
        }
        if kind == OutcomeKind.PATENT and rng.random() < 0.5:
            row["patent_type"] = words.PATENT_TYPE(rng)
        if kind == OutcomeKind.ENTERPRISES_CULTIVATED and (
            "enterprise_category" in forced or rng.random() < 0.8
        ):
            row["enterprise_category"] = forced.get("enterprise_category") or rng.choice(
                EnterpriseCategory.values
            )
        basis = forced.get("basis") or (
            Basis.CUMULATIVE if rng.random() < 0.45 else Basis.INCREMENT
        )
        row["basis"] = basis
        if basis == Basis.CUMULATIVE:
            # A running total at a date; without one it stands at the source's date.
            when = "目前"
            if rng.random() < 0.75:
                precision = words.PRECISION(rng)
                row["as_of"] = partial_date(rng, 2016, LAST_YEAR, precision)
                row["as_of_precision"] = precision
                when = f"截至{date_text(row['as_of'], precision)}"
            row["source_passage"] = f"{when},{subject}累计{description}{reported_text}。"
        else:
            row |= self.period(rng)
            start = date_text(row.get("period_start"), row.get("period_start_precision", ""))
            end = date_text(row.get("period_end"), row.get("period_end_precision", ""))
            when = start if start == end else f"{start}至{end}".strip("至")
            row["source_passage"] = f"{when},{subject}新增{description}{reported_text}。"
        return row

    @staticmethod
    def quantity(rng, kind: str, unit: str) -> int:
        """Log-normal around the kind's typical size: most figures small, a few very large."""
        if unit == Unit.PERCENT:
            return rng.randint(1, 100)
        median, spread = words.MAGNITUDES[kind]
        value = max(1, round(rng.lognormvariate(0, spread) * median))
        if unit in Unit.money:
            return value * 10_000  # stated in 万元, stored in yuan
        return value

    @staticmethod
    def period(rng) -> dict:
        """An increment's period: a year, a month range, a day range, or one open end."""
        draw = rng.random()
        year = rng.randint(2016, LAST_YEAR)
        if draw < 0.5:
            day = datetime.date(year, 1, 1)
            return {
                "period_start": day,
                "period_start_precision": DatePrecision.YEAR,
                "period_end": day,
                "period_end_precision": DatePrecision.YEAR,
            }
        first, last = sorted(rng.sample(range(1, 13), 2))
        if draw < 0.7:
            return {
                "period_start": datetime.date(year, first, 1),
                "period_start_precision": DatePrecision.MONTH,
                "period_end": datetime.date(year, last, 1),
                "period_end_precision": DatePrecision.MONTH,
            }
        start = datetime.date(year, first, rng.randint(1, 28))
        end = datetime.date(year, last, rng.randint(1, 28))
        if draw < 0.85:
            return {
                "period_start": start,
                "period_start_precision": DatePrecision.DAY,
                "period_end": end,
                "period_end_precision": DatePrecision.DAY,
            }
        if draw < 0.95:
            return {"period_start": start, "period_start_precision": DatePrecision.DAY}
        return {"period_end": end, "period_end_precision": DatePrecision.DAY}

    def target_rows(self) -> Iterator[dict]:
        registry = self.registry
        rng = registry.rng("targets")
        owners = registry.owner["targets"]
        kinds = [kind for kind in OutcomeKind.values if kind != OutcomeKind.OTHER]
        for index, district_id in enumerate(owners):
            # The first targets take every kind once, and the very first states no number.
            kind = kinds[index] if index < len(kinds) else words.OUTCOME_KIND(rng)
            unit = words.KIND_UNITS[kind][0]
            stated = index != 0 and rng.random() < 0.9
            quantity = words.round_figure(self.quantity(rng, kind, unit), unit) if stated else 0
            qualifier = Qualifier.MORE_THAN if stated and rng.random() < 0.3 else Qualifier.EXACT
            precision = rng.choice((DatePrecision.YEAR, DatePrecision.YEAR, DatePrecision.MONTH))
            due_on = partial_date(rng, 2020, 2027, precision)
            description = rng.choice(words.DESCRIPTIONS[kind])
            figure = words.figure_text(quantity, unit, qualifier, rng) if stated else ""
            # A district's own target ("12 bases") is attributed to nothing.
            if rng.random() < 0.2:
                attributed, subject = {}, registry.district_name(district_id)
            else:
                attributed, subject = registry.attribution(rng, district_id)
            row = {
                "id": index + 1,
                "district_id": district_id,
                "kind": kind,
                "description": description,
                "quantity": Decimal(quantity),
                "unit": unit,
                "qualifier": qualifier,
                "reported_text": f"力争{figure}" if figure else "",
                "quantity_is_stated": stated,
                "due_on": due_on,
                "due_on_precision": precision,
                "source_id": registry.source_of(rng, district_id),
                "source_passage": f"{subject}计划到{date_text(due_on, precision)}"
                f"{description}{figure or '(数量未定)'}。",
                **attributed,
                **registry.publishable(rng, index, len(owners)),
            }
            if rng.random() < 0.6:
                row["period_start"] = datetime.date(due_on.year - rng.randint(1, 3), 1, 1)
                row["period_start_precision"] = DatePrecision.YEAR
            yield row
