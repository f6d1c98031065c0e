import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()


def _warm_up() -> None:
    from shanhai.consumption.forecast import warm_up

    warm_up()


# The forecasting library takes seconds to import; do it beside the first requests, not in one.
threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
