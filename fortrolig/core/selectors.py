"""Reads for the dashboard."""

from dataclasses import dataclass

from fortrolig.audit.models import AuditVerification
from fortrolig.audit.selectors import latest_verification
from fortrolig.core.models import Agency, JobRun

SCHEDULED_JOBS = ("audit_verify", "retention_sweep", "retention_renewal_notices")


@dataclass(frozen=True)
class DashboardData:
    chain_status: AuditVerification | None
    job_runs: list[tuple[str, JobRun | None]]


def dashboard_data(*, agency: Agency) -> DashboardData:
    """The agency's audit-chain status and the last run of each scheduled job."""
    return DashboardData(
        chain_status=latest_verification(agency=agency),
        job_runs=[
            (job, JobRun.objects.filter(job=job).order_by("-started_at").first())
            for job in SCHEDULED_JOBS
        ],
    )
