"""Do the work committed writes owe: ``manage.py run_worker``.

Queued bulk status changes (a chunk per transaction), queued admin uploads (the importer),
then the index documents every write owes (``archive.pipeline.work_owed``). Runs beside
the web server wherever the archive runs (``make run``, the compose service ``worker``, a
systemd unit: docs/operations.md). Several may run at once; each claims its own work.
``--once`` does what is owed now and exits (cron, scripts, tests).
"""

import signal

from django.core.management.base import BaseCommand

from archive import pipeline


class Command(BaseCommand):
    help = (
        "Do owed work as writes commit: queued bulk changes and uploads, then index updates "
        "(LISTEN/NOTIFY, polling as fallback)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="do what is owed now, then exit")
        parser.add_argument(
            "--poll", type=float, default=pipeline.POLL_SECONDS, help="seconds between polls"
        )

    def handle(self, *args, once=False, poll=pipeline.POLL_SECONDS, verbosity=1, **options):
        if once:
            total = pipeline.Done()
            while done := pipeline.work_owed():
                total.articles_changed += done.articles_changed
                total.uploads_imported += done.uploads_imported
                total.documents_indexed += done.documents_indexed
            if verbosity:
                self.stdout.write(
                    f"已批量处理 {total.articles_changed} 篇，导入上传 {total.uploads_imported} 次，"
                    f"已索引 {total.documents_indexed} 篇。"
                )
            return
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        def log(message):
            if verbosity:
                self.stdout.write(message)

        log("工作进程已启动。")
        pipeline.run_worker(stop=lambda: bool(stopping), poll=poll, log=log)
