"""What a client stores (P-04), and that the data map classifies it (P-03)."""

from fortrolig.clients.models import Agreement, Client, ClientContact, CreditAssessment
from fortrolig.privacy.datamap import classification, model_field_names, personal_fields


def test_p04_every_client_field_is_classified():
    for model in (Client, ClientContact, Agreement, CreditAssessment):
        missing = [n for n in model_field_names(model) if classification(model, n) is None]
        assert missing == [], f"{model.__name__}: {missing}"


def test_p04_contact_people_are_personal_data_and_the_company_is_not():
    assert set(personal_fields(ClientContact)) >= {"name", "role", "email", "phone", "email_hash"}
    # The company's own details are not personal data; only the staff member who recorded
    # a prepayment is.
    assert set(personal_fields(Client)) == {"prepayment_received_by"}
    # The signed agreement names its signatories.
    assert {"filename", "blob_name"} <= set(personal_fields(Agreement))


def test_p04_a_client_stores_contacts_invoicing_terms_and_assessments_only():
    """The fields P-04 and P-08 name, and nothing beyond what an assignment needs."""
    assert set(model_field_names(Client)) == {
        "id",
        "created_at",
        "updated_at",
        "agency",
        "name",
        "org_number",
        "visiting_address",
        "postal_address",
        "postal_code",
        "city",
        "website",
        "invoice_email",
        "invoice_reference",
        "invoice_address",
        "ehf_invoicing",
        "payment_terms_days",
        "prepayment_required",
        "prepayment_received_at",
        "prepayment_received_by",
        "archived_at",
    }
    assert {"name", "role", "email", "phone"} <= set(model_field_names(ClientContact))
    assert {"terms", "fee_terms", "valid_from", "valid_until", "blob_name"} <= set(
        model_field_names(Agreement)
    )
    assert {"assessed_on", "score", "source", "threshold", "below_threshold"} <= set(
        model_field_names(CreditAssessment)
    )
