"""Client companies (P-04), their contact people, agreements and credit assessments (P-08)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fortrolig.core.fields import EncryptedTextField
from fortrolig.core.models import AgencyScopedModel, DataKey
from fortrolig.core.validators import validate_org_number


class Client(AgencyScopedModel):
    """A company the agency works for. It stores what an assignment needs, nothing more (P-04).

    `prepayment_required` is the P-08 flag: set when a credit assessment scores under the
    agency's threshold, cleared when a consultant records that prepayment was received
    (or a later assessment scores at or above the threshold).
    """

    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"), max_length=9, validators=[validate_org_number]
    )
    visiting_address = models.CharField(_("visiting address"), max_length=200, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Invoicing details.
    invoice_email = models.EmailField(_("invoice email"), blank=True)
    invoice_reference = models.CharField(_("invoice reference"), max_length=100, blank=True)
    invoice_address = models.CharField(_("invoice address"), max_length=300, blank=True)
    ehf_invoicing = models.BooleanField(_("electronic invoice (EHF)"), default=False)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    # P-08.
    prepayment_required = models.BooleanField(_("prepayment required"), default=False)
    prepayment_received_at = models.DateTimeField(_("prepayment received"), null=True, blank=True)
    prepayment_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "org_number"], name="client_org_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(org_number__regex=r"^[0-9]{9}$"), name="client_org_number_9_digits"
            ),
        ]
        indexes = [models.Index(fields=["agency", "name"], name="client_name_idx")]

    def __str__(self) -> str:
        return self.name


class ClientContact(AgencyScopedModel):
    """A person at a client company. Their details are personal data, kept while the
    agreement with the client lasts."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email_hash = models.CharField(max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The contact who receives presentations and invoices questions by default.
    is_primary = models.BooleanField(_("primary contact"), default=False)
    ended_at = models.DateTimeField(_("no longer a contact"), null=True, blank=True)
    # When the retention sweep erases the contact (P-04; see `clients.retention`). NULL while
    # the client has an agreement without an end or an open assignment.
    erase_after = models.DateTimeField(_("erase after"), null=True, blank=True)

    class Meta:
        verbose_name = _("client contact")
        verbose_name_plural = _("client contacts")
        indexes = [
            models.Index(fields=["agency", "client"], name="client_contact_client_idx"),
            models.Index(fields=["agency", "email_hash"], name="client_contact_email_idx"),
            models.Index(fields=["erase_after"], name="client_contact_erase_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Agreement(AgencyScopedModel):
    """The terms agreed with a client, with the signed agreement as an encrypted file.

    The file holds the signatories' names, so it is stored like a candidate document:
    encrypted under its own data key, served only through an authorised view.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="agreements")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    terms = models.TextField(_("terms"))
    fee_terms = models.CharField(_("fee terms"), max_length=300, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # The signed agreement, when uploaded.
    filename = EncryptedTextField(_("file name"), null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    blob_name = models.CharField(max_length=200, blank=True)
    # When the retention sweep erases the agreement and its file (P-04; see
    # `clients.retention`).
    erase_after = models.DateTimeField(_("erase after"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [models.Index(fields=["erase_after"], name="agreement_erase_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="agreement_valid_until_after_from",
            ),
        ]


class CreditAssessment(AgencyScopedModel):
    """A dated credit score of a client from a named source (P-08).

    The threshold in force is stored with the score, so a later change of the agency's
    threshold does not rewrite history.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="credit_assessments")
    assessed_on = models.DateField(_("assessed on"))
    score = models.PositiveSmallIntegerField(_("score"))
    source = models.CharField(_("source"), max_length=200)
    note = models.CharField(_("note"), max_length=500, blank=True)
    threshold = models.PositiveSmallIntegerField(_("threshold at the time"))
    below_threshold = models.BooleanField(_("below threshold"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("credit assessment")
        verbose_name_plural = _("credit assessments")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="credit_score_0_100"),
        ]
        indexes = [
            models.Index(fields=["agency", "client", "-assessed_on"], name="credit_client_idx"),
        ]
