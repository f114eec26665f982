"""REST API resources for enterprises (with their certifications) and industry sectors."""

from django.db.models import Prefetch
from rest_framework import serializers

from companies.filtersets import EnterpriseFilterSet, SectorFilterSet
from companies.models import Certification, Enterprise, Sector
from partnerships.api.endpoints import (
    DistrictCompactSerializer,
    InstitutionCompactSerializer,
    ProjectCompactSerializer,
    SourceCompactSerializer,
)
from partnerships.api.resources import (
    CompactSerializer,
    PartialDateField,
    RegistryModelViewSet,
    RegistryReadOnlyViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
    WritableDistrictField,
)
from partnerships.models import District, Institution, Project, Source


class SectorCompactSerializer(CompactSerializer):
    class Meta:
        model = Sector
        fields = ["id", "code", "name", "name_en"]


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["id", "code", "name", "name_en"]


class CertificationSerializer(serializers.ModelSerializer):
    """Read-only inside its enterprise; certifications are edited in the back office."""

    issued_on = PartialDateField("issued_on", read_only=True)
    valid_until = serializers.DateField(read_only=True, allow_null=True)
    source = SourceCompactSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Certification
        fields = [
            "id",
            "kind",
            "tier",
            "level",
            "title",
            "certificate_number",
            "issued_on",
            "valid_until",
            "year",
            "last_year",
            "batch",
            "stock_code",
            "source",
            "source_passage",
        ]


class EnterpriseSerializer(ValidatedModelSerializer):
    district = DistrictCompactSerializer(read_only=True)
    district_id = WritableDistrictField(District, source="district")
    sector = SectorCompactSerializer(read_only=True, allow_null=True)
    sector_id = VisibleRelatedField(Sector, source="sector", required=False, allow_null=True)
    founded_on = PartialDateField("founded_on")
    incubator = InstitutionCompactSerializer(read_only=True, allow_null=True)
    incubator_id = VisibleRelatedField(
        Institution, source="incubator", required=False, allow_null=True
    )
    incubator_project = ProjectCompactSerializer(read_only=True, allow_null=True)
    incubator_project_id = VisibleRelatedField(
        Project, source="incubator_project", required=False, allow_null=True
    )
    certifications = CertificationSerializer(many=True, read_only=True)
    source = SourceCompactSerializer(read_only=True, allow_null=True)
    source_id = VisibleRelatedField(Source, source="source", required=False, allow_null=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "name_en",
            "uscc",
            "district",
            "district_id",
            "sector",
            "sector_id",
            "founded_on",
            "incubator",
            "incubator_id",
            "incubator_project",
            "incubator_project_id",
            "address",
            "website",
            "description",
            "certifications",
            "source",
            "source_id",
            "source_passage",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state"]


class SectorViewSet(RegistryReadOnlyViewSet):
    serializer_class = SectorSerializer
    filterset_class = SectorFilterSet
    queryset = Sector.objects.all()


class EnterpriseViewSet(RegistryModelViewSet):
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet

    def get_queryset(self):
        return (
            self.visible(Enterprise.objects.all())
            .select_related(
                "district",  # district
                "sector",  # sector
                "incubator",  # incubator
                "incubator_project",  # incubator_project
                "source",  # source
            )
            .prefetch_related(
                # certifications, with each one's source
                Prefetch(
                    "certifications",
                    queryset=Certification.objects.select_related("source").order_by(
                        "kind", "issued_on", "id"
                    ),
                ),
            )
        )
