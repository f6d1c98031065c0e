"""Background tasks: thin adapters over the services."""

from typing import Any

from django.tasks import TaskContext, task

from shanhai.core.worker import WorkerLost, attempts_exhausted
from shanhai.imports import services


def _give_up(context: TaskContext[..., Any], job_id: int) -> None:
    """Fail the job, and this run, when its worker was lost too many times before."""
    if attempts_exhausted(context):
        lost = context.attempt - 1
        services.abandon_import(job_id=job_id, attempts=lost)
        raise WorkerLost(f"import job {job_id}: its worker was lost {lost} times")


@task(takes_context=True)
def check_import(context: TaskContext[..., Any], job_id: int) -> str:
    _give_up(context, job_id)
    return services.check_import(job_id=job_id).status


@task(takes_context=True)
def write_import(context: TaskContext[..., Any], job_id: int) -> str:
    _give_up(context, job_id)
    return services.write_import(job_id=job_id).status
