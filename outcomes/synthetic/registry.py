"""Synthetic districts, sources, institutions, agreements, projects, enterprises and their links.

`Registry` makes the rows table by table, in load order, and keeps what later tables need (ids
per district, titles for passages, each agreement's and project's institutions). Counts per
district are fixed up front (Zipf, at least one of each per district), so a row can pick "a
project of district d" before that table is written, and a district's records are interleaved
with the others' as real entry would leave them.
"""

import datetime
import itertools
import random
from collections.abc import Iterator
from decimal import Decimal

from companies.choices import CertificationKind, RecognitionLevel, SpecialisedTier
from companies.models import AgreementEnterprise, Certification, Enterprise, ProjectEnterprise
from outcomes.synthetic import vocabulary as words
from outcomes.synthetic.draws import (
    allocate,
    date_text,
    later_date,
    partial_date,
    skewed,
    spread,
    zipf,
)
from outcomes.synthetic.identifiers import (
    base_digits,
    organisation_code,
    ror_id,
    scrambled,
    uscc,
)
from outcomes.synthetic.scales import Scale
from partnerships.choices import (
    DatePrecision,
    InstitutionKind,
    PartyRole,
    ProjectKind,
    PublicationState,
)
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    Institution,
    Project,
    ProjectParticipant,
    Source,
)
from partnerships.validators import USCC_ALPHABET

LAST_YEAR = words.LAST_YEAR
PER_DISTRICT = ("sources", "institutions", "agreements", "projects", "enterprises")


def shanxi_districts() -> list[tuple[str, str, str]]:
    """County-level divisions of Shanxi (14) from python-stdnum's GB/T 2260 table, by code.

    (code, county, prefecture); the table's 市辖区 rows are a city's urban area as a whole, not a
    district, so they are left out.
    """
    from stdnum import numdb

    rows = []
    for _length, low, _high, properties, _children in numdb.get("cn/loc").prefixes:
        county = properties.get("county", "")
        if low.startswith("14") and county and county != "市辖区":
            rows.append((low, county, properties.get("prefecture", "")))
    return sorted(rows)


class Registry:
    """The base records of one synthetic registry; call the row generators in `tables()` order."""

    def __init__(self, scale: Scale, seed: int, sectors: dict[str, int]):
        self.scale = scale
        self.seed = seed
        self.sectors = sectors
        self.note = words.SYNTHETIC_NOTE.format(seed=seed)
        rng = self.rng("plan")
        districts = shanxi_districts()
        xiaodian = next(row for row in districts if row[0] == "140105")
        others = [row for row in districts if row is not xiaodian]
        rng.shuffle(others)
        # 小店区 (the article's district) ranks first; the rest are ranked at random.
        self.districts = [xiaodian, *others][: scale.districts]
        self.district_ids = list(range(1, len(self.districts) + 1))
        weights = [1 / rank for rank in self.district_ids]
        self.owner = {
            name: spread(allocate(getattr(scale, name), weights), rng)
            for name in (*PER_DISTRICT, "outcomes", "targets")
        }
        self.ids_of = {name: self._ids_by_district(owners) for name, owners in self.owner.items()}

    def rng(self, table: str) -> random.Random:
        # Not for secrets: a seeded generator is the point (the same seed, the same rows).
        return random.Random(f"{self.seed}:{table}")  # noqa: S311

    def _ids_by_district(self, owners: list[int]) -> dict[int, list[int]]:
        ids: dict[int, list[int]] = {district: [] for district in self.district_ids}
        for record_id, district in enumerate(owners, 1):
            ids[district].append(record_id)
        return ids

    def district_name(self, district_id: int) -> str:
        return self.districts[district_id - 1][1]

    def tables(self) -> list:
        scale = self.scale
        return [
            (District, self.district_rows, scale.districts),
            (Source, self.source_rows, scale.sources),
            (Institution, self.institution_rows, scale.institutions),
            (Agreement, self.agreement_rows, scale.agreements),
            (AgreementParty, self.agreement_party_rows, None),
            (Project, self.project_rows, scale.projects),
            (ProjectParticipant, self.project_participant_rows, None),
            (Enterprise, self.enterprise_rows, scale.enterprises),
            (Certification, self.certification_rows, None),
            (AgreementEnterprise, self.agreement_enterprise_rows, None),
            (ProjectEnterprise, self.project_enterprise_rows, None),
        ]

    # --- Fields every table shares ---

    @staticmethod
    def stamps(rng: random.Random, index: int, total: int) -> dict:
        """created_at in id order across the registry's years, updated_at some days later."""
        span = (words.LAST_STAMP - words.FIRST_STAMP).total_seconds()
        created = words.FIRST_STAMP + datetime.timedelta(seconds=int(span * index / max(total, 1)))
        updated = created + datetime.timedelta(seconds=rng.randrange(90 * 86_400))
        return {"created_at": created, "updated_at": min(updated, words.LAST_STAMP)}

    def publishable(self, rng: random.Random, index: int, total: int) -> dict:
        # The first four rows of each table take every state, so even the demo has them all.
        state = words.STATES[index][0] if index < len(words.STATES) else words.STATE(rng)
        fields = self.stamps(rng, index, total)
        fields["state"] = state
        # Withdrawn records were public once; drafts and submissions never were.
        if state in (PublicationState.PUBLISHED, PublicationState.WITHDRAWN):
            fields["first_published_at"] = fields["created_at"] + datetime.timedelta(
                seconds=rng.randrange(1, 14 * 86_400)
            )
        return fields

    def source_of(self, rng: random.Random, district_id: int) -> int:
        return skewed(self.ids_of["sources"][district_id], rng, 1.5)

    # --- Districts and sources ---

    def district_rows(self) -> Iterator[dict]:
        rng = self.rng("districts")
        for index, (code, name, _prefecture) in enumerate(self.districts):
            yield {
                "id": index + 1,
                "code": code,
                "name": name,
                "name_en": "Xiaodian District" if code == "140105" else "",
                **self.stamps(rng, index, len(self.districts)),
            }

    def source_rows(self) -> Iterator[dict]:
        rng = self.rng("sources")
        owners = self.owner["sources"]
        kinds = ("年校地合作工作总结", "年政府工作报告", "年科技创新工作报告", "年人才工作简报")
        publishers = ("人民政府办公室", "科学技术局", "融媒体中心", "委组织部")
        for index, district_id in enumerate(owners):
            precision = words.PRECISION(rng)
            published_on = partial_date(rng, 2016, LAST_YEAR, precision)
            name = self.district_name(district_id)
            yield {
                "id": index + 1,
                "title": f"{name}{published_on.year}{rng.choice(kinds)}(第{index + 1}号)",
                "publisher": f"{name}{rng.choice(publishers)}",
                "url": f"https://synthetic.example/sources/{index + 1}",
                "published_on": published_on,
                "published_on_precision": precision,
                "note": self.note,
                "district_id": district_id,  # the district whose staff added it
                **self.stamps(rng, index, len(owners)),
            }

    # --- Institutions ---

    def institution_rows(self) -> Iterator[dict]:
        """Top-level institutions first, then their colleges, laboratories and science parks."""
        rng = self.rng("institutions")
        total = self.scale.institutions
        top_count = max(4, total * 2 // 5)
        owners = self.owner["institutions"]
        names: set[str] = set()
        self.institution_names: list[str] = [""]  # by id
        self.science_parks: list[int] = []
        universities: list[int] = []
        for index in range(top_count):
            kind = InstitutionKind.UNIVERSITY if index < 2 else words.TOP_LEVEL_KINDS(rng)
            name = self._institution_name(rng, kind, names, index)
            district_id = owners[index]
            region = self.districts[district_id - 1][0]
            row = self._institution(rng, index, total, district_id, kind, name, parent=None)
            if kind == InstitutionKind.UNIVERSITY:
                universities.append(index + 1)
                row["school_code"] = f"41140{10000 + index:05d}"
                # Public universities register with the establishment office (1), category 2.
                body = organisation_code(f"4{scrambled(index, 10**7, 7_919, 40_001):07d}")
                row["uscc"] = uscc("12", "140000", body)
                if rng.random() < 0.4:
                    row["ror_id"] = ror_id(scrambled(index, 32**6, 1_000_003, 77_777))
            elif kind == InstitutionKind.SCHOOL:
                row["school_code"] = f"3414{200000 + index:06d}"
            elif kind == InstitutionKind.RESEARCH_INSTITUTE and rng.random() < 0.7:
                body = organisation_code(f"5{scrambled(index, 10**7, 7_919, 50_001):07d}")
                row["uscc"] = uscc("12", region, body)
            elif kind == InstitutionKind.TRAINING_BODY and rng.random() < 0.5:
                # Private training colleges register with civil affairs (5).
                body = organisation_code(f"6{scrambled(index, 10**7, 7_919, 60_001):07d}")
                row["uscc"] = uscc("52", region, body)
            self.institution_names.append(name)
            yield row
        # Partners are drawn by rank: a few universities take part in most agreements.
        ranked = list(range(1, top_count + 1))
        rng.shuffle(ranked)
        university_ids = set(universities)
        ranked.sort(key=lambda i: i not in university_ids)
        self.partner = zipf(ranked, 1.1)
        parents = zipf(universities or ranked, 0.8)
        used = {parent: set() for parent in ranked}
        for index in range(top_count, total):
            parent, kind = parents(rng), words.SUB_UNIT_KINDS(rng)
            for _attempt in range(20):
                name = self._sub_unit_name(rng, kind)
                if name not in used[parent]:
                    break
                parent, kind = parents(rng), words.SUB_UNIT_KINDS(rng)
            else:  # every common name taken: number it
                name = f"{name}{index}"
            used[parent].add(name)
            row = self._institution(rng, index, total, owners[index], kind, name, parent=parent)
            if kind == InstitutionKind.SCIENCE_PARK:
                self.science_parks.append(index + 1)
            self.institution_names.append(self.institution_names[parent] + name)
            yield row

    def _institution(self, rng, index, total, district_id, kind, name, *, parent) -> dict:
        location = (
            rng.choice(words.OTHER_PROVINCE_LOCATIONS)
            if rng.random() < 0.1
            else self.districts[district_id - 1][2]
        )
        return {
            "id": index + 1,
            "name": name,
            "kind": kind,
            "parent_id": parent,
            "district_id": district_id,
            "location": location,
            "description": f"{name}({words.INSTITUTION_KIND_WORDS[kind]}),合成数据。",
            "source_id": self.source_of(rng, district_id),
            "source_passage": f"{name}积极参与校地合作。",
            **self.publishable(rng, index, total),
        }

    @staticmethod
    def _institution_name(rng, kind, names: set[str], index: int) -> str:
        for _attempt in range(50):
            place, discipline = rng.choice(words.PLACES), rng.choice(words.DISCIPLINES)
            name = {
                InstitutionKind.UNIVERSITY: f"{place}{discipline}"
                + rng.choice(("大学", "学院", "职业技术学院", "职业技术大学")),
                InstitutionKind.RESEARCH_INSTITUTE: f"{place}{discipline}研究院",
                InstitutionKind.TRAINING_BODY: f"{place}" + rng.choice(("干部学院", "市委党校")),
                InstitutionKind.SCHOOL: f"{place}第{rng.randint(1, 60)}中学",
                InstitutionKind.OTHER: f"{place}{discipline}科技服务中心",
            }[kind]
            if name not in names:
                names.add(name)
                return name
        name = f"{place}{discipline}学院(第{index}号)"
        names.add(name)
        return name

    @staticmethod
    def _sub_unit_name(rng, kind) -> str:
        if kind == InstitutionKind.COLLEGE:
            return f"{rng.choice(words.COLLEGES)}学院"
        if kind == InstitutionKind.KEY_LABORATORY:
            return f"{rng.choice(words.LAB_TOPICS)}山西省重点实验室"
        return rng.choice(words.SCIENCE_PARKS)

    def partners(self, rng, count: int) -> tuple[int, ...]:
        """`count` different institutions, drawn by rank (lead first)."""
        chosen = []
        while len(chosen) < count:
            institution = self.partner(rng)
            if institution not in chosen:
                chosen.append(institution)
        return tuple(chosen)

    # --- Agreements and projects ---

    def agreement_rows(self) -> Iterator[dict]:
        rng = self.rng("agreements")
        owners = self.owner["agreements"]
        # By id (0 unused): whether the district government signed, and the institutions.
        self.agreement_parties: list[tuple[bool, tuple[int, ...]]] = [(False, ())]
        self.agreement_titles: list[str] = [""]
        seen: dict[int, list[int]] = {district: [] for district in self.district_ids}
        for index, district_id in enumerate(owners):
            agreement_id = index + 1
            kind = words.AGREEMENT_KIND(rng)
            institutions = self.partners(rng, rng.choice((1, 1, 1, 2, 2, 3)))
            lead = self.institution_names[institutions[0]]
            precision = words.PRECISION(rng)
            signed_on = partial_date(rng, 2012, LAST_YEAR, precision)
            row = {
                "id": agreement_id,
                "district_id": district_id,
                "kind": kind,
                "status": words.AGREEMENT_STATUS(rng),
                "signed_on": signed_on,
                "signed_on_precision": precision,
                "source_id": self.source_of(rng, district_id),
                **self.publishable(rng, index, len(owners)),
            }
            earlier = seen[district_id]
            title = (
                f"{self.district_name(district_id)}人民政府与{lead}"
                f"{words.AGREEMENT_KIND_WORDS[kind]}"
            )
            # One in twenty continues an earlier agreement of the district as its next phase.
            if earlier and rng.random() < 0.05:
                row["part_of_id"] = rng.choice(earlier)
                row["phase_number"] = rng.randint(2, 3)
                title += f"(第{row['phase_number']}期)"
            if rng.random() < 0.6:
                row |= {
                    "starts_on": signed_on,
                    "starts_on_precision": precision,
                    "ends_on": later_date(signed_on, rng.randint(1, 5), precision),
                    "ends_on_precision": precision,
                }
            elif rng.random() < 0.5:
                row["term_months"] = rng.choice((12, 24, 36, 60))
            row["title"] = title
            row["summary"] = f"双方围绕{words.FIELD_WORDS[words.FIELD(rng)]}等领域开展合作。"
            row["source_passage"] = f"{date_text(signed_on, precision)},{title}签订。"
            self.agreement_parties.append((rng.random() < 0.85, institutions))
            self.agreement_titles.append(title)
            earlier.append(agreement_id)
            yield row

    def agreement_party_rows(self) -> Iterator[dict]:
        row_id = itertools.count(1)
        for agreement_id, (government, institutions) in enumerate(self.agreement_parties):
            if agreement_id == 0:
                continue
            if government:
                yield {
                    "id": next(row_id),
                    "agreement_id": agreement_id,
                    "district_id": self.owner["agreements"][agreement_id - 1],
                    "role": PartyRole.GOVERNMENT,
                }
            for position, institution in enumerate(institutions):
                yield {
                    "id": next(row_id),
                    "agreement_id": agreement_id,
                    "institution_id": institution,
                    "role": PartyRole.LEAD if position == 0 else PartyRole.PARTNER,
                }

    def project_rows(self) -> Iterator[dict]:
        rng = self.rng("projects")
        owners = self.owner["projects"]
        # By id (0 unused), for participants, enterprises and the figures' passages.
        self.project_titles: list[str] = [""]
        self.project_parties: list[tuple[bool, tuple[int, ...]]] = [(False, ())]
        self.project_agreement: list[int | None] = [None]
        self.project_lead: list[int] = [0]
        self.incubators: dict[int, list[int]] = {district: [] for district in self.district_ids}
        seen: dict[int, list[int]] = {district: [] for district in self.district_ids}
        for index, district_id in enumerate(owners):
            project_id = index + 1
            kind, field = words.PROJECT_KIND(rng), words.FIELD(rng)
            agreement_id = None
            if rng.random() < 0.7:
                # Most projects carry out an agreement of their district, with its institutions.
                agreement_id = skewed(self.ids_of["agreements"][district_id], rng, 1.5)
                _government, institutions = self.agreement_parties[agreement_id]
                institutions = institutions[: rng.choice((1, 1, 2))]
            else:
                institutions = self.partners(rng, rng.choice((1, 1, 2)))
            precision = words.PRECISION(rng)
            starts_on = partial_date(rng, 2013, LAST_YEAR, precision)
            lead = self.institution_names[institutions[0]]
            district = self.district_name(district_id)
            field_word = words.FIELD_WORDS[field]
            title = (
                f"{lead}{district}{field_word}{words.PROJECT_KIND_WORDS[kind]}"
                f"({starts_on.year}-{project_id})"
            )
            row = {
                "id": project_id,
                "title": title,
                "district_id": district_id,
                "agreement_id": agreement_id,
                "kind": kind,
                "field": field,
                "status": words.PROJECT_STATUS(rng),
                "starts_on": starts_on,
                "starts_on_precision": precision,
                "summary": f"{lead}与{district}在{field_word}领域合作。",
                "source_id": self.source_of(rng, district_id),
                "source_passage": f"{date_text(starts_on, precision)},{title}启动。",
                **self.publishable(rng, index, len(owners)),
            }
            if rng.random() < 0.55:
                end_precision = words.PRECISION(rng)
                row["ends_on"] = later_date(starts_on, rng.randint(1, 5), end_precision)
                row["ends_on_precision"] = end_precision
            if kind in words.PLACE_KINDS:
                opened_precision = words.PRECISION(rng)
                row["opened_on"] = later_date(starts_on, rng.randint(0, 1), opened_precision)
                row["opened_on_precision"] = opened_precision
                if rng.random() < 0.7:
                    row["floor_area_m2"] = Decimal(rng.randrange(50, 20_000, 10))
                    row["floor_area_qualifier"] = words.QUALIFIER(rng)
                row["address"] = f"{district}{rng.choice(words.ROADS)}"
            if rng.random() < 0.5:
                row["funding_yuan"] = Decimal(rng.randrange(5, 2_000, 5) * 10_000)
                row["funding_qualifier"] = words.QUALIFIER(rng)
                row["funding_note"] = rng.choice(words.FUNDING_NOTES)
            earlier = seen[district_id]
            if earlier and rng.random() < 0.03:
                row["part_of_id"] = rng.choice(earlier)
            earlier.append(project_id)
            if kind == ProjectKind.INCUBATOR:
                self.incubators[district_id].append(project_id)
            self.project_titles.append(title)
            self.project_parties.append((rng.random() < 0.4, institutions))
            self.project_agreement.append(agreement_id)
            self.project_lead.append(institutions[0])
            yield row

    def project_participant_rows(self) -> Iterator[dict]:
        row_id = itertools.count(1)
        for project_id, (government, institutions) in enumerate(self.project_parties):
            if project_id == 0:
                continue
            if government:
                yield {
                    "id": next(row_id),
                    "project_id": project_id,
                    "district_id": self.owner["projects"][project_id - 1],
                    "role": PartyRole.GOVERNMENT,
                }
            for position, institution in enumerate(institutions):
                yield {
                    "id": next(row_id),
                    "project_id": project_id,
                    "institution_id": institution,
                    "role": PartyRole.LEAD if position == 0 else PartyRole.PARTNER,
                }

    # --- Enterprises ---

    def enterprise_rows(self) -> Iterator[dict]:
        rng = self.rng("enterprises")
        owners = self.owner["enterprises"]
        names: dict[int, set[str]] = {district: set() for district in self.district_ids}
        self.enterprise_names: list[str] = [""]
        self.enterprise_founded: list[int] = [0]
        for index, district_id in enumerate(owners):
            code, county, prefecture = self.districts[district_id - 1]
            industries, divisions = words.FIELD_INDUSTRIES[words.FIELD(rng)]
            city = prefecture.removesuffix("市") or county
            for _attempt in range(50):
                brand = rng.choice(words.BRAND_CHARS) + rng.choice(words.BRAND_CHARS)
                name = f"{city}{brand}{rng.choice(industries)}{words.COMPANY_FORMS(rng)}"
                if name not in names[district_id]:
                    break
            else:
                name = f"{city}{brand}{rng.choice(industries)}第{index}分公司"
            names[district_id].add(name)
            precision = words.PRECISION(rng)
            founded_on = partial_date(rng, 1995, LAST_YEAR, precision)
            row = {
                "id": index + 1,
                "name": name,
                "district_id": district_id,
                "sector_id": self.sectors.get(rng.choice(divisions)),
                "founded_on": founded_on,
                "founded_on_precision": precision,
                "description": f"{name}主营{rng.choice(industries)}业务。",
                "source_id": self.source_of(rng, district_id),
                "source_passage": f"{name}成立于{date_text(founded_on, precision)}。",
                **self.publishable(rng, index, len(owners)),
            }
            if rng.random() < 0.95:
                # Market regulation (9), company (1); registered by the county or its city.
                # Codes issued since 2015 carry a new-style organisation code (MA…).
                region = code if rng.random() < 0.7 else code[:4] + "00"
                serial = scrambled(index, 31**6, 1_000_003, 123_457)
                body = (
                    "MA" + base_digits(serial, USCC_ALPHABET, 6)
                    if founded_on.year >= 2015
                    else f"{scrambled(index, 10**8, 48_271, 5_550_000):08d}"
                )
                row["uscc"] = uscc("91", region, organisation_code(body))
            if rng.random() < 0.5:
                row["address"] = f"{county}{rng.choice(words.ROADS)}{rng.randint(1, 300)}号"
            if rng.random() < 0.06:
                if self.science_parks and rng.random() < 0.6:
                    row["incubator_id"] = rng.choice(self.science_parks)
                else:
                    row["incubator_id"] = self.partner(rng)
                if self.incubators[district_id]:
                    row["incubator_project_id"] = rng.choice(self.incubators[district_id])
            self.enterprise_names.append(name)
            self.enterprise_founded.append(founded_on.year)
            yield row

    def certification_rows(self) -> Iterator[dict]:
        rng = self.rng("certifications")
        total = self.scale.enterprises
        row_id = itertools.count(1)
        serial = itertools.count(1)
        for enterprise_id in range(1, total + 1):
            # The first five enterprises hold one of each kind, so even the demo has them all.
            if enterprise_id <= len(CertificationKind.values):
                planned = [CertificationKind.values[enterprise_id - 1]]
            elif rng.random() < 0.65:
                planned = []
            else:
                planned = [
                    words.CERTIFICATION_KIND(rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))
                ]
            for kind in dict.fromkeys(planned):
                year = rng.randint(max(2008, self.enterprise_founded[enterprise_id]), LAST_YEAR)
                row = {
                    "id": next(row_id),
                    "enterprise_id": enterprise_id,
                    "kind": kind,
                    "source_id": self.source_of(rng, self.owner["enterprises"][enterprise_id - 1]),
                    **self.stamps(rng, enterprise_id, total),
                }
                row |= self._certification(
                    rng, kind, year, self.enterprise_names[enterprise_id], enterprise_id, serial
                )
                yield row

    @staticmethod
    def _certification(rng, kind, year, name, enterprise_id, serial) -> dict:
        if kind == CertificationKind.HIGH_TECH:
            number = f"GR{year}14{next(serial):06d}"
            return {
                "certificate_number": number,
                "issued_on": datetime.date(year, rng.randint(10, 12), rng.randint(1, 28)),
                "issued_on_precision": DatePrecision.DAY,
                "year": year,
                "source_passage": f"{name}于{year}年通过高新技术企业认定,证书编号{number}。",
            }
        if kind == CertificationKind.TECH_SME:
            return {"year": year, "source_passage": f"{name}入库{year}年度科技型中小企业。"}
        if kind == CertificationKind.SPECIALISED:
            tier = words.SPECIALISED_TIER(rng)
            giant = tier == SpecialisedTier.LITTLE_GIANT
            return {
                "tier": tier,
                "year": year,
                # 小巨人 are listed by MIIT in numbered batches; the lower tiers by the province.
                "level": RecognitionLevel.NATIONAL if giant else RecognitionLevel.PROVINCIAL,
                "batch": f"第{rng.randint(1, 5)}批" if giant else "",
                "source_passage": f"{name}{year}年被认定为{words.SPECIALISED_TIER_WORDS[tier]}。",
            }
        if kind == CertificationKind.NEEQ_LISTING:
            precision = words.PRECISION(rng)
            stock_code = f"8{scrambled(enterprise_id, 10**5, 7_919, 31_337):05d}"
            return {
                "stock_code": stock_code,
                "issued_on": partial_date(rng, year, year, precision),
                "issued_on_precision": precision,
                "source_passage": f"{name}在新三板挂牌,证券代码{stock_code}。",
            }
        title = rng.choice(words.HONOURS)
        row = {
            "title": title,
            "level": rng.choice(RecognitionLevel.values),
            "year": year,
            "source_passage": f"{name}{year}年获评{title}。",
        }
        if year < LAST_YEAR and rng.random() < 0.3:
            row["last_year"] = rng.randint(year + 1, LAST_YEAR)
        return row

    def agreement_enterprise_rows(self) -> Iterator[dict]:
        rng = self.rng("agreement-enterprises")
        row_id = itertools.count(1)
        for index, district_id in enumerate(self.owner["agreements"]):
            for enterprise_id in self.enterprises(rng, district_id, (0, 0, 0, 1, 1, 2)):
                yield {
                    "id": next(row_id),
                    "agreement_id": index + 1,
                    "enterprise_id": enterprise_id,
                    "role": PartyRole.ENTERPRISE,
                }

    def project_enterprise_rows(self) -> Iterator[dict]:
        rng = self.rng("project-enterprises")
        row_id = itertools.count(1)
        for index, district_id in enumerate(self.owner["projects"]):
            for enterprise_id in self.enterprises(rng, district_id, (0, 0, 1, 1, 1, 2, 3)):
                yield {
                    "id": next(row_id),
                    "project_id": index + 1,
                    "enterprise_id": enterprise_id,
                    "role": words.ENTERPRISE_ROLE(rng),
                }

    def enterprises(self, rng, district_id: int, counts: tuple[int, ...]) -> list[int]:
        """Different enterprises of the district, the oldest more likely; how many from `counts`."""
        candidates = self.ids_of["enterprises"][district_id]
        count = min(rng.choice(counts), len(candidates))
        chosen: list[int] = []
        while len(chosen) < count:
            enterprise_id = skewed(candidates, rng, 1.5)
            if enterprise_id not in chosen:
                chosen.append(enterprise_id)
        return chosen

    # --- For the figures ---

    def attribution(self, rng, district_id: int) -> tuple[dict, str]:
        """What a figure is attributed to (all in its district, as clean() demands) and who."""
        draw = rng.random()
        project_id = skewed(self.ids_of["projects"][district_id], rng)
        title = self.project_titles[project_id]
        if draw < 0.62:
            return {"project_id": project_id}, title
        if draw < 0.72:
            return {
                "project_id": project_id,
                "agreement_id": self.project_agreement[project_id],
            }, title
        if draw < 0.77:
            return {
                "project_id": project_id,
                "institution_id": self.project_lead[project_id],
            }, title
        if draw < 0.85:
            agreement_id = skewed(self.ids_of["agreements"][district_id], rng)
            return {"agreement_id": agreement_id}, self.agreement_titles[agreement_id]
        if draw < 0.9:
            institution_id = self.partner(rng)
            return {"institution_id": institution_id}, self.institution_names[institution_id]
        enterprise_id = skewed(self.ids_of["enterprises"][district_id], rng, 1.5)
        attributed = {"enterprise_id": enterprise_id}
        if rng.random() < 0.5:
            attributed["project_id"] = project_id
        return attributed, self.enterprise_names[enterprise_id]
