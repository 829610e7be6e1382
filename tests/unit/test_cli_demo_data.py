"""Demo data: realistic, reproducible, unique where the API requires it."""

from __future__ import annotations

from crm_cli.demo_data import COMPANY_SIZES, INDUSTRIES, STAGE_WEIGHTS, build_plan


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert build_plan(seed=7) == build_plan(seed=7)
    assert build_plan(seed=7).contacts != build_plan(seed=8).contacts


def test_plan_has_the_promised_volume_and_valid_values() -> None:
    plan = build_plan(seed=1, companies=20, contacts=200)

    assert len(plan.companies) == 20
    assert len(plan.contacts) == 200
    assert 30 <= len(plan.notes) <= 140
    assert plan.total == 220 + len(plan.notes) + plan.sales.total
    for company in plan.companies:
        assert company["industry"] in INDUSTRIES
        assert company["size"] in COMPANY_SIZES
        assert company["domain"].endswith(".example.com")
    for contact in plan.contacts:
        assert contact["lifecycle_stage"] in STAGE_WEIGHTS
        assert contact["company"] is None or 0 <= contact["company"] < 20
        assert "@" in contact["email"]
        assert len(set(contact["tags"])) == len(contact["tags"]) <= 3


def test_emails_and_domains_are_unique() -> None:
    plan = build_plan(seed=3, companies=20, contacts=200)
    assert len({c["domain"] for c in plan.companies}) == 20
    assert len({c["email"] for c in plan.contacts}) == 200


def test_demo_values_are_what_the_contacts_service_accepts() -> None:
    from crm_contacts.domain.company import CompanySize
    from crm_contacts.domain.tags import normalize_tag
    from crm_contacts.domain.validation import normalize_domain, normalize_email, normalize_phone

    assert set(COMPANY_SIZES) <= {size.value for size in CompanySize}
    plan = build_plan(seed=11, contacts=60)
    for company in plan.companies:
        assert normalize_domain(company["domain"]) == company["domain"]
    for contact in plan.contacts:
        assert normalize_email(contact["email"]) == contact["email"]
        assert normalize_phone(contact["phone"]) == contact["phone"]
        assert [normalize_tag(tag) for tag in contact["tags"]] == contact["tags"]


def test_notes_point_at_existing_contacts() -> None:
    plan = build_plan(seed=5, contacts=50)
    assert all(0 <= index < 50 and body for index, body in plan.notes)
