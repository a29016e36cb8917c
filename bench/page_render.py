"""B9: server time of the home page as a ratio to a trivial authenticated view, and its query count.

Target (performance.md): ratio <= 4 and <= 15 queries, the count unchanged between a small and a large
data set. Run: `make bench` or `.venv/bin/python bench/page_render.py`.
"""

import io
import random

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_b9"


def main():
    connection = setup_django(DB)
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from intranet.notifications.actions import notify
    from intranet.people.models import User

    random.seed(9)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    agent = User.objects.get(username="camille.martin")
    client = Client()
    client.force_login(agent)

    def home():
        response = client.get("/")
        assert response.status_code == 200 and b"Bonjour" in response.content
        return response

    def ping():
        response = client.get("/ping/")
        assert response.status_code == 200
        return response

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            home()
        return len(ctx.captured_queries)

    notify(recipients=[agent], verb="bench", text="Petit jeu de données", url="/")
    home()
    small = count_queries()
    colleagues = list(User.objects.all())
    for i in range(500):
        notify(
            recipients=random.sample(colleagues, 10) + [agent],
            verb="bench",
            text=f"Notification {i}",
            url="/",
        )
    large = count_queries()

    figures = summary(*interleaved(home, ping, reps=30))
    teardown(connection, DB)
    ok = figures["ratio"] <= 4 and large <= 15 and small == large
    print(
        f"B9 home ratio={figures['ratio']:.2f} target<=4 queries={large} (small data: {small}) target<=15 "
        f"app_ms={figures['app_ms']:.2f} base_ms={figures['base_ms']:.2f} "
        f"iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
