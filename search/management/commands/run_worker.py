"""Write the index documents that committed writes owe: ``manage.py run_worker``.

Runs beside the web server wherever the archive runs (``make run``, the compose service
``worker``, a systemd unit: docs/operations.md). Several may run at once; each claims its
own rows. ``--once`` pays what is owed now and exits (cron, scripts, tests).
"""

import signal

from django.core.management.base import BaseCommand

from search import outbox


class Command(BaseCommand):
    help = "Apply owed search index updates as writes commit (LISTEN/NOTIFY, polling as fallback)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="pay what is owed now, then exit")
        parser.add_argument(
            "--poll", type=float, default=outbox.POLL_SECONDS, help="seconds between polls"
        )

    def handle(self, *args, once=False, poll=outbox.POLL_SECONDS, verbosity=1, **options):
        if once:
            written = outbox.drain()
            if verbosity:
                self.stdout.write(f"已索引 {written} 篇。")
            return
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        def log(message):
            if verbosity:
                self.stdout.write(message)

        log("索引工作进程已启动。")
        outbox.run_worker(stop=lambda: bool(stopping), poll=poll, log=log)
