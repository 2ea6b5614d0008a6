"""Employments through the agency and their payroll facts (P-19).

An employment keeps its own copy of what the employer needs to know about the person (name,
email, national identity number) under its own data key. That is deliberate: when the
person's candidate record is erased (P-22), the employment and its payroll records must
stay for as long as the employment lasts and accounting law requires, and they must stay
readable while the candidate's key is destroyed.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fortrolig.assignments.models import Assignment
from fortrolig.candidates.models import Candidate
from fortrolig.core.fields import EncryptedTextField
from fortrolig.core.models import AgencyScopedModel, DataKey


class SalaryBasis(models.TextChoices):
    MONTHLY = "monthly", _("Monthly salary")
    HOURLY = "hourly", _("Hourly wage")


class Employment(AgencyScopedModel):
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    # Cleared when the candidate's record is erased; the employment keeps its own copy.
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="employments"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="employments")
    employee_name = models.CharField(_("employee"), max_length=201)
    email = models.EmailField(_("email"), blank=True)
    national_id = EncryptedTextField(_("national identity number"), null=True, blank=True)
    position_percentage = models.DecimalField(
        _("position percentage"), max_digits=5, decimal_places=2
    )
    salary_basis = models.CharField(_("salary basis"), max_length=10, choices=SalaryBasis.choices)
    salary_amount = models.DecimalField(_("salary (NOK)"), max_digits=10, decimal_places=2)
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    # NULL while the employment lasts (P-19); once it has ended, the end of the accounting
    # period of its last payroll record (see `staffing.retention`).
    erase_after = models.DateTimeField(_("erase after"), null=True, blank=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["-started_on", "id"]
        indexes = [
            models.Index(fields=["agency", "candidate"], name="employment_candidate_idx"),
            models.Index(
                fields=["erase_after"],
                name="employment_erase_after_idx",
                condition=Q(erase_after__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(position_percentage__gt=0) & Q(position_percentage__lte=100),
                name="employment_position_percentage_range",
            ),
            models.CheckConstraint(
                condition=Q(salary_amount__gte=0), name="employment_salary_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="employment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        # No personal data: this string can reach logs.
        return f"Employment {self.pk}"


class PayrollRecord(AgencyScopedModel):
    """One month's pay as reported in the a-melding: the gross pay and the position
    percentage. Kept five years after the end of the financial year it was paid in
    (bokføringsloven § 13)."""

    employment = models.ForeignKey(
        Employment, on_delete=models.CASCADE, related_name="payroll_records"
    )
    # The first day of the month the pay is for.
    period = models.DateField(_("period"))
    paid_on = models.DateField(_("paid on"))
    gross_pay = models.DecimalField(_("gross pay (NOK)"), max_digits=12, decimal_places=2)
    position_percentage = models.DecimalField(
        _("position percentage"), max_digits=5, decimal_places=2
    )
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2, null=True, blank=True)
    erase_after = models.DateTimeField(_("erase after"))

    class Meta:
        verbose_name = _("payroll record")
        verbose_name_plural = _("payroll records")
        ordering = ["-period", "id"]
        indexes = [models.Index(fields=["erase_after"], name="payroll_erase_after_idx")]
        constraints = [
            models.UniqueConstraint(fields=["employment", "period"], name="payroll_one_per_month"),
            models.CheckConstraint(condition=Q(gross_pay__gte=0), name="payroll_pay_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Payroll record {self.pk}"
