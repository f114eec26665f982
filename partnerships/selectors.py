"""Reads shared by every interface: who may see and change which district's records."""

from django.db.models import QuerySet

from partnerships.choices import StaffRole
from partnerships.models import District, DistrictRole


def writable_district_ids(user) -> set[int] | None:
    """Districts whose records the user may create and change; None means every district."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return set(
        DistrictRole.objects.filter(user=user, role__in=StaffRole.writers).values_list(
            "district_id", flat=True
        )
    )


def districts_for(user) -> QuerySet:
    district_ids = writable_district_ids(user)
    if district_ids is None:
        return District.objects.all()
    return District.objects.filter(id__in=district_ids)
