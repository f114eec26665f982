"""Enumerations for enterprises and their certifications."""

from enum import nonmember

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificationKind(models.TextChoices):
    HIGH_TECH = "high_tech", _("High-tech enterprise (高新技术企业)")
    TECH_SME = "tech_sme", _("Technology-based SME (科技型中小企业)")
    SPECIALISED = "specialised", _("Specialised and innovative (专精特新)")
    NEEQ_LISTING = "neeq_listing", _("NEEQ listing (新三板)")
    HONOUR = "honour", _("Other title or honour")

    # Kinds that carry a level (national, provincial…).
    levelled = nonmember(("specialised", "honour"))


class SpecialisedTier(models.TextChoices):
    """The three steps of the 专精特新 ladder (MIIT)."""

    INNOVATIVE_SME = "innovative_sme", _("Innovative SME (创新型中小企业)")
    SPECIALISED_SME = "specialised_sme", _("Specialised and innovative SME (专精特新中小企业)")
    LITTLE_GIANT = "little_giant", _('"Little giant" (专精特新"小巨人")')


class RecognitionLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District")
