"""Background tasks: thin adapters over the services."""

from django.tasks import task

from shanhai.imports import services


@task()
def check_import(job_id: int) -> str:
    return services.check_import(job_id=job_id).status


@task()
def write_import(job_id: int) -> str:
    return services.write_import(job_id=job_id).status
