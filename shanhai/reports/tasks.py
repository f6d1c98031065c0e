"""Background tasks: thin adapters over the services."""

from typing import Any

from django.tasks import TaskContext, task

from shanhai.core.worker import WorkerLost, attempts_exhausted
from shanhai.reports import services


@task(takes_context=True)
def make_annual_report(context: TaskContext[..., Any], job_id: int) -> str:
    if attempts_exhausted(context):
        lost = context.attempt - 1
        services.abandon_annual_report(job_id=job_id, attempts=lost)
        raise WorkerLost(f"report job {job_id}: its worker was lost {lost} times")
    return services.make_annual_report(job_id=job_id).status
