"""REST API resources for districts, sources, institutions, agreements and projects.

Reads nest related records compactly ({id, name, name_en}); writes take them as `<fk>_id`.
The compact serializers here are shared by the `companies` and `outcomes` APIs, including the
enterprise one, which projects and agreements show among their participants.
"""

from django.db.models import Prefetch, Q
from rest_framework import serializers

from companies.models import AgreementEnterprise, Enterprise, ProjectEnterprise
from partnerships.api.resources import (
    CompactSerializer,
    PartialDateField,
    RegistryModelViewSet,
    RegistryReadOnlyViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
    WritableDistrictField,
)
from partnerships.choices import DistrictLevel
from partnerships.filtersets import (
    AgreementFilterSet,
    DistrictFilterSet,
    InstitutionFilterSet,
    ProjectFilterSet,
    SourceFilterSet,
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

# --- Compact representations of related records --------------------------------------------------


class DistrictCompactSerializer(CompactSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name", "name_en"]


class SourceCompactSerializer(CompactSerializer):
    class Meta:
        model = Source
        fields = ["id", "title", "url"]


class InstitutionCompactSerializer(CompactSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "name_en"]


class AgreementCompactSerializer(CompactSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "title", "title_en"]


class ProjectCompactSerializer(CompactSerializer):
    class Meta:
        model = Project
        fields = ["id", "title", "title_en"]


class EnterpriseCompactSerializer(CompactSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name", "name_en"]


class PartySerializer(serializers.ModelSerializer):
    """A district government or an institution taking part, with its role."""

    district = DistrictCompactSerializer(read_only=True, allow_null=True)
    institution = InstitutionCompactSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AgreementParty
        fields = ["district", "institution", "role", "note"]


class ProjectParticipantSerializer(PartySerializer):
    class Meta(PartySerializer.Meta):
        model = ProjectParticipant


class EnterprisePartySerializer(serializers.ModelSerializer):
    enterprise = EnterpriseCompactSerializer(read_only=True)

    class Meta:
        model = AgreementEnterprise
        fields = ["enterprise", "role", "note"]


class ProjectEnterpriseSerializer(EnterprisePartySerializer):
    class Meta(EnterprisePartySerializer.Meta):
        model = ProjectEnterprise


# --- Resources -----------------------------------------------------------------------------------


class DistrictSerializer(serializers.ModelSerializer):
    level = serializers.ChoiceField(choices=DistrictLevel.choices, read_only=True)

    class Meta:
        model = District
        fields = ["id", "code", "name", "name_en", "level", "created_at", "updated_at"]


class SourceSerializer(serializers.ModelSerializer):
    published_on = PartialDateField("published_on")

    class Meta:
        model = Source
        fields = [
            "id",
            "title",
            "publisher",
            "url",
            "published_on",
            "authors",
            "created_at",
            "updated_at",
        ]


class InstitutionSerializer(ValidatedModelSerializer):
    district = DistrictCompactSerializer(read_only=True)
    district_id = WritableDistrictField(District, source="district")
    parent = InstitutionCompactSerializer(read_only=True, allow_null=True)
    parent_id = VisibleRelatedField(Institution, source="parent", required=False, allow_null=True)
    sub_units = InstitutionCompactSerializer(many=True, read_only=True)
    source = SourceCompactSerializer(read_only=True, allow_null=True)
    source_id = VisibleRelatedField(Source, source="source", required=False, allow_null=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "name_en",
            "short_name",
            "kind",
            "parent",
            "parent_id",
            "sub_units",
            "district",
            "district_id",
            "location",
            "school_code",
            "uscc",
            "ror_id",
            "website",
            "description",
            "source",
            "source_id",
            "source_passage",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state"]


class AgreementSerializer(ValidatedModelSerializer):
    district = DistrictCompactSerializer(read_only=True)
    district_id = WritableDistrictField(District, source="district")
    signed_on = PartialDateField("signed_on")
    starts_on = PartialDateField("starts_on")
    ends_on = PartialDateField("ends_on")
    part_of = AgreementCompactSerializer(read_only=True, allow_null=True)
    part_of_id = VisibleRelatedField(Agreement, source="part_of", required=False, allow_null=True)
    phases = AgreementCompactSerializer(many=True, read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    enterprise_parties = EnterprisePartySerializer(many=True, read_only=True)
    source = SourceCompactSerializer(read_only=True, allow_null=True)
    source_id = VisibleRelatedField(Source, source="source", required=False, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "title",
            "title_en",
            "district",
            "district_id",
            "kind",
            "status",
            "signed_on",
            "starts_on",
            "ends_on",
            "term_months",
            "part_of",
            "part_of_id",
            "phase_number",
            "phases",
            "parties",
            "enterprise_parties",
            "summary",
            "summary_en",
            "source",
            "source_id",
            "source_passage",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state"]


class ProjectSerializer(ValidatedModelSerializer):
    district = DistrictCompactSerializer(read_only=True)
    district_id = WritableDistrictField(District, source="district")
    agreement = AgreementCompactSerializer(read_only=True, allow_null=True)
    agreement_id = VisibleRelatedField(
        Agreement, source="agreement", required=False, allow_null=True
    )
    part_of = ProjectCompactSerializer(read_only=True, allow_null=True)
    part_of_id = VisibleRelatedField(Project, source="part_of", required=False, allow_null=True)
    starts_on = PartialDateField("starts_on")
    ends_on = PartialDateField("ends_on")
    opened_on = PartialDateField("opened_on")
    participants = ProjectParticipantSerializer(many=True, read_only=True)
    enterprise_participants = ProjectEnterpriseSerializer(many=True, read_only=True)
    source = SourceCompactSerializer(read_only=True, allow_null=True)
    source_id = VisibleRelatedField(Source, source="source", required=False, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "title_en",
            "district",
            "district_id",
            "agreement",
            "agreement_id",
            "part_of",
            "part_of_id",
            "kind",
            "field",
            "status",
            "starts_on",
            "ends_on",
            "opened_on",
            "floor_area_m2",
            "floor_area_qualifier",
            "address",
            "funding_yuan",
            "funding_qualifier",
            "funding_note",
            "summary",
            "summary_en",
            "participants",
            "enterprise_participants",
            "source",
            "source_id",
            "source_passage",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state"]


class DistrictViewSet(RegistryReadOnlyViewSet):
    serializer_class = DistrictSerializer
    filterset_class = DistrictFilterSet
    queryset = District.objects.all()


class SourceViewSet(RegistryReadOnlyViewSet):
    """Sources a public record cites (a writer also sees its districts' own); never the note,
    which is for staff."""

    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet

    def get_queryset(self):
        return self.visibility.sources(Source.objects.all())


class InstitutionViewSet(RegistryModelViewSet):
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet

    def get_queryset(self):
        sub_units = self.visibility.filter(Institution.objects.order_by("name"))
        return (
            self.visible(Institution.objects.all())
            .select_related(
                "district",  # district
                "parent",  # parent
                "source",  # source
            )
            .prefetch_related(
                Prefetch("sub_units", queryset=sub_units),  # sub_units
            )
        )


class AgreementViewSet(RegistryModelViewSet):
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet

    def get_queryset(self):
        visibility = self.visibility
        return (
            self.visible(Agreement.objects.all())
            .select_related(
                "district",  # district
                "part_of",  # part_of
                "source",  # source
            )
            .prefetch_related(
                # phases
                Prefetch("phases", queryset=visibility.filter(Agreement.objects.order_by("id"))),
                # parties: the party's district and institution
                Prefetch(
                    "parties",
                    queryset=AgreementParty.objects.filter(
                        visibility.related("institution") | Q(institution__isnull=True)
                    ).select_related("district", "institution"),
                ),
                # enterprise_parties: each one's enterprise
                Prefetch(
                    "enterprise_parties",
                    queryset=AgreementEnterprise.objects.filter(
                        visibility.related("enterprise")
                    ).select_related("enterprise"),
                ),
            )
        )


class ProjectViewSet(RegistryModelViewSet):
    serializer_class = ProjectSerializer
    read_rows = True
    filterset_class = ProjectFilterSet

    def get_queryset(self):
        visibility = self.visibility
        return (
            self.visible(Project.objects.all())
            .select_related(
                "district",  # district
                "agreement",  # agreement
                "part_of",  # part_of
                "source",  # source
            )
            .prefetch_related(
                # participants: each one's district and institution
                Prefetch(
                    "participants",
                    queryset=ProjectParticipant.objects.filter(
                        visibility.related("institution") | Q(institution__isnull=True)
                    ).select_related("district", "institution"),
                ),
                # enterprise_participants: each one's enterprise
                Prefetch(
                    "enterprise_participants",
                    queryset=ProjectEnterprise.objects.filter(
                        visibility.related("enterprise")
                    ).select_related("enterprise"),
                ),
            )
        )
