"""Benchmark messages (issue #21): a message to a cohort of 500 queued in under 1 s, and 1,000
emails delivered to a local SMTP server in under 30 s.

    .venv/bin/python bench/bench_messages.py          # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_messages.py

Queueing: ``training.messages.notify`` for 500 people who all chose email (500 notifications,
500 deliveries, the unread counts), committed; median of 5 runs. Delivering: the job
(``training.messages.deliver``) sending 1,000 queued deliveries, one SMTP conversation each, to
aiosmtpd on this machine, each message composed in her language with its signed links; one run.
"""
from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Count:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 OK"


def main() -> None:
    from aiosmtpd.controller import Controller
    from sqlalchemy import delete, select

    from training import messages
    from training.accounts import User
    from training.app import create_app
    from training.db import utcnow
    from training.extensions import db

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Count()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    work = Path(tempfile.mkdtemp(prefix="amicus-bench-messages-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite'}"
    app = create_app({"AMICUS_ENV": "development", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "AMICUS_JOBS": "inline", "AMICUS_SMTP_HOST": "127.0.0.1", "AMICUS_SMTP_PORT": port,
                      "AMICUS_SMTP_SECURITY": "none", "AMICUS_MAIL_FROM": "Amicus <no-reply@amicus.test>",
                      "AMICUS_MAIL_PER_HOUR": 100000})
    try:
        with app.app_context(), app.test_request_context():
            db.drop_all()
            db.create_all()
            password = "not a hash: nobody logs in"
            users = [User(handle=f"p{n}", handle_key=f"p{n}", password_hash=password, email=f"p{n}@example.org",
                          email_verified_at=utcnow(), locale="zh" if n % 2 else "en") for n in range(1000)]
            db.session.add_all(users)
            db.session.flush()
            db.session.add_all(messages.MessagePreference(user_id=u.id, email_on=True, email_events=["certificate"],
                                                          detailed=False) for u in users)
            db.session.commit()
            ids = [u.id for u in users]

            times = []
            for _run in range(5):
                started = time.perf_counter()
                messages.notify(ids[:500], "certificate", "/courses/gbv-litigation", course="GBV litigation")
                db.session.commit()
                times.append(time.perf_counter() - started)
                from flask import g

                g.pop("amicus_outbox", None)  # queued, not sent: the next part sends
            db.session.execute(delete(messages.Delivery))
            db.session.commit()

            messages.notify(ids, "certificate", "/courses/gbv-litigation", course="GBV litigation")
            db.session.commit()
            from flask import g

            queued = [delivery_id for delivery_id, _old in g.pop("amicus_outbox")]
            started = time.perf_counter()
            messages.deliver(queued)
            sending = time.perf_counter() - started
            sent = db.session.execute(select(messages.Delivery.status)).scalars().all()
            print(f"database: {url.split(':')[0]}")
            print(f"queue a message to 500: median {statistics.median(times) * 1000:.0f} ms "
                  f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over 5 runs")
            print(f"deliver 1,000 emails: {sending:.1f} s; {sent.count('sent')} sent, server received {box.n}")
            db.drop_all()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
