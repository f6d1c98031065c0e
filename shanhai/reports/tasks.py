"""Background tasks: thin adapters over the services."""

from django.tasks import task

from shanhai.reports import services


@task()
def make_annual_report(job_id: int) -> str:
    return services.make_annual_report(job_id=job_id).status
