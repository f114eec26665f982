"""How much synthetic data each scale makes, and the tables it fills, in load order."""

from dataclasses import dataclass

from companies.models import AgreementEnterprise, Certification, Enterprise, ProjectEnterprise
from outcomes.models import Outcome, Target
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    Institution,
    Project,
    ProjectParticipant,
    Source,
)

# Dependency order: every foreign key points at a table written earlier (or at an earlier row).
MODELS = (
    District,
    Source,
    Institution,
    Agreement,
    AgreementParty,
    Project,
    ProjectParticipant,
    Enterprise,
    Certification,
    AgreementEnterprise,
    ProjectEnterprise,
    Outcome,
    Target,
)


@dataclass(frozen=True)
class Scale:
    """Rows of the main tables; parties, participants and certifications follow from them."""

    districts: int
    sources: int
    institutions: int
    agreements: int
    projects: int
    enterprises: int
    outcomes: int
    targets: int


SCALES = {
    # A few hundred records: every kind, unit, qualifier, basis and state, in about a second.
    "demo": Scale(
        districts=4,
        sources=12,
        institutions=24,
        agreements=24,
        projects=60,
        enterprises=80,
        outcomes=400,
        targets=40,
    ),
    # One district's registry after years of use.
    "district": Scale(
        districts=1,
        sources=150,
        institutions=50,
        agreements=400,
        projects=5_000,
        enterprises=5_000,
        outcomes=20_000,
        targets=800,
    ),
    # A whole province (the scale the registry is built for).
    "province": Scale(
        districts=120,
        sources=6_000,
        institutions=3_000,
        agreements=24_000,
        projects=300_000,
        enterprises=200_000,
        outcomes=1_000_000,
        targets=40_000,
    ),
}
