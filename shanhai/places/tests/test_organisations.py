import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from shanhai.accounts.models import Side
from shanhai.core.models import AuditEvent
from shanhai.places.models import Organisation, Place
from shanhai.places.selectors import search_organisations
from shanhai.places.services import register_organisation
from shanhai.places.tests.factories import OrganisationFactory, PlaceFactory

pytestmark = pytest.mark.django_db

# 9 (registered by market regulation), 1 (enterprise), 530629 (威信县), then an organisation code.
BASE = "91530629MA6K1234X"
CREDIT_CODE = BASE + uscc.calc_check_digit(BASE)


def wrong_check_digit(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


@pytest.fixture
def weixin():
    return PlaceFactory.create(name="威信县", side=Side.WEST, level=Place.Level.COUNTY)


@pytest.fixture
def songjiang():
    return PlaceFactory.create(name="松江区", side=Side.EAST, level=Place.Level.COUNTY)


def test_an_organisation_with_a_valid_credit_code_is_registered(weixin):
    cooperative = register_organisation(
        name="威信县供销合作社联合社",
        kind=Organisation.Kind.COOPERATIVE,
        place=weixin,
        credit_code=CREDIT_CODE,
    )

    cooperative.refresh_from_db()
    assert cooperative.credit_code == CREDIT_CODE


def test_a_credit_code_with_a_wrong_check_digit_is_refused_on_its_field(weixin):
    with pytest.raises(ValidationError) as error:
        register_organisation(
            name="威信县供销合作社联合社",
            kind=Organisation.Kind.COOPERATIVE,
            place=weixin,
            credit_code=wrong_check_digit(CREDIT_CODE),
        )

    assert list(error.value.message_dict) == ["credit_code"]
    assert not Organisation.objects.exists()


def test_an_organisation_may_have_no_credit_code(weixin):
    hospital = register_organisation(
        name="威信县人民医院", kind=Organisation.Kind.HOSPITAL, place=weixin
    )

    assert hospital.credit_code is None


def test_two_organisations_without_a_credit_code_can_coexist(weixin):
    register_organisation(name="威信县人民医院", kind=Organisation.Kind.HOSPITAL, place=weixin)
    register_organisation(name="威信县商务局", kind=Organisation.Kind.DEPARTMENT, place=weixin)

    assert Organisation.objects.filter(credit_code=None).count() == 2


def test_the_organisation_is_on_the_side_of_its_place(weixin):
    hospital = OrganisationFactory.create(place=weixin)

    assert hospital.side == Side.WEST


def test_registering_the_same_organisation_again_adds_no_duplicate(weixin):
    first = register_organisation(name="威信县商务局", kind="department", place=weixin)

    again = register_organisation(name="威信县商务局", kind="department", place=weixin)

    assert again.pk == first.pk
    assert Organisation.objects.count() == 1


def test_registering_an_unchanged_organisation_records_no_audit_event(weixin):
    register_organisation(name="威信县商务局", kind="department", place=weixin)
    events = AuditEvent.objects.count()

    register_organisation(name="威信县商务局", kind="department", place=weixin)

    assert AuditEvent.objects.count() == events


def test_an_organisation_is_found_again_by_its_credit_code_after_a_rename(weixin):
    first = register_organisation(
        name="威信县供销社", kind="cooperative", place=weixin, credit_code=CREDIT_CODE
    )

    renamed = register_organisation(
        name="威信县供销合作社联合社", kind="cooperative", place=weixin, credit_code=CREDIT_CODE
    )

    assert renamed.pk == first.pk
    assert renamed.name == "威信县供销合作社联合社"
    assert AuditEvent.objects.filter(action="places.organisation.updated").count() == 1


def test_an_organisation_registered_without_a_credit_code_gains_it_later(weixin):
    first = register_organisation(name="威信县商务局", kind="department", place=weixin)

    again = register_organisation(
        name="威信县商务局", kind="department", place=weixin, credit_code=CREDIT_CODE
    )

    assert again.pk == first.pk
    assert Organisation.objects.get().credit_code == CREDIT_CODE


def test_a_credit_code_typed_in_lower_case_with_spaces_is_stored_in_standard_form(weixin):
    typed = " ".join([CREDIT_CODE[:8], CREDIT_CODE[8:].lower()])

    supply = register_organisation(
        name="威信县供销合作社联合社", kind="cooperative", place=weixin, credit_code=typed
    )

    supply.refresh_from_db()
    assert supply.credit_code == CREDIT_CODE


def test_the_same_credit_code_in_another_writing_finds_the_same_organisation(weixin):
    first = register_organisation(
        name="威信县供销社", kind="cooperative", place=weixin, credit_code=CREDIT_CODE
    )

    again = register_organisation(
        name="威信县供销合作社联合社",
        kind="cooperative",
        place=weixin,
        credit_code=CREDIT_CODE.lower(),
    )

    assert again.pk == first.pk
    assert Organisation.objects.count() == 1


# Search -------------------------------------------------------------------------------------


@pytest.fixture
def directory(weixin, songjiang):
    return {
        "supply": register_organisation(
            name="威信县供销合作社联合社",
            short_name="威信县供销社",
            kind=Organisation.Kind.COOPERATIVE,
            place=weixin,
            credit_code=CREDIT_CODE,
        ),
        "hospital": register_organisation(
            name="威信县人民医院", kind=Organisation.Kind.HOSPITAL, place=weixin
        ),
        "fangta": register_organisation(
            name="上海市松江区方塔中医医院",
            short_name="方塔中医医院",
            kind=Organisation.Kind.HOSPITAL,
            place=songjiang,
        ),
        "ngo": register_organisation(
            name="上海市松江区百姓义工公益发展中心",
            short_name="百姓义工",
            kind=Organisation.Kind.NGO,
            place=songjiang,
        ),
    }


def test_organisations_are_found_by_part_of_their_name(directory):
    assert list(search_organisations("人民医院")) == [directory["hospital"]]


def test_organisations_are_found_by_their_short_name(directory):
    assert list(search_organisations("威信县供销社")) == [directory["supply"]]


def test_organisations_are_found_by_their_credit_code_in_any_case(directory):
    assert list(search_organisations(CREDIT_CODE.lower())) == [directory["supply"]]


def test_organisations_are_found_by_kind(directory):
    hospitals = search_organisations(kind=Organisation.Kind.HOSPITAL)

    assert set(hospitals) == {directory["hospital"], directory["fangta"]}


def test_organisations_are_found_by_side(directory):
    east = search_organisations(side=Side.EAST)

    assert set(east) == {directory["fangta"], directory["ngo"]}


def test_kind_and_side_narrow_the_search_together(directory):
    assert list(search_organisations(kind="hospital", side=Side.WEST)) == [directory["hospital"]]


def test_organisations_are_found_by_the_name_of_their_place(directory):
    assert set(search_organisations("松江区")) == {directory["fangta"], directory["ngo"]}


def test_a_search_that_matches_nothing_finds_nothing(directory):
    assert not search_organisations("东华大学").exists()
