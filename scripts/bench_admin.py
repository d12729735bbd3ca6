"""`make bench`, part three: the admin's model group pages at 1,000, 5,000 and 10,000 model groups, on the two
shapes of scripts/bench_plan.py (a fleet of families, and scripts/bench.py's ring, whose cycles span every group).

Loads a throwaway configuration like scripts/bench.py (a temporary SQLite file, or the database
BENCH_DATABASE_URL names, which it empties first), serves the real WSGI application over HTTP on a free local
port, signs a superuser in (a session made directly, no login form), and prints per page: SQL queries per request,
median and p95 latency. It asserts nothing: figures are for reading.

    .venv/bin/python scripts/bench_admin.py [--sizes 1000 5000 10000] [--requests 20]
"""

import argparse
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import QueryCounter, load, serve, timed
from bench_plan import load_fleet

LOADERS = {"ring": load, "fleet": load_fleet}  # scripts/bench_plan.py says what each shape is


def session_cookie() -> str:
    """A signed-in superuser's session cookie, made without the login form."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_unusable_password()
    user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def pages(size: int) -> list[tuple[str, str]]:
    from fallbacks.models import ModelGroup

    names = [f"provider-{index % 7}/model-{index:05d}" for index in (1, size // 2 + 5)]
    ids = dict(ModelGroup.objects.filter(name__in=names).values_list("name", "id"))
    return [
        ("model group list, first page", "/admin/fallbacks/modelgroup/"),
        ("model group list, searched", "/admin/fallbacks/modelgroup/?q=model-0000"),
        (f"model group page ({names[0]})", f"/admin/fallbacks/modelgroup/{ids[names[0]]}/change/"),
        (f"model group page ({names[1]})", f"/admin/fallbacks/modelgroup/{ids[names[1]]}/change/"),
        ("defaults and settings page (upgrade impact)", "/admin/fallbacks/configuration/1/change/"),
    ]


def measure(base_url: str, path: str, cookie: str, requests: int, counter: QueryCounter, *, cold: bool = False) -> dict:
    """`cold`: as the first page after a write, each request finds no cycles kept (fallbacks.queries.CYCLES: the
    server runs in this process)."""
    from fallbacks.queries import CYCLES

    request = urllib.request.Request(base_url + path, headers={"Cookie": cookie})

    def fetch() -> None:
        if cold:
            CYCLES.clear()
        with urllib.request.urlopen(request, timeout=300) as response:
            assert response.status == 200, response.status
            response.read()

    return timed(fetch, requests, counter, warmups=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--shapes", nargs="+", choices=sorted(LOADERS), default=["fleet", "ring"])
    parser.add_argument("--requests", type=int, default=20)
    arguments = parser.parse_args()

    server, counter = serve(tempfile.mkdtemp(prefix="fallbacks-bench-admin-"))
    base_url = f"http://127.0.0.1:{server.server_port}"

    from django.conf import settings
    from django.db import connection

    # The pages' static files are not fetched here: plain URLs spare a collectstatic for the production manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    print(f"\nadmin pages; database: {connection.vendor}; served over HTTP at {base_url}")
    print(f"{'shape':<6} {'groups':>7}  {'page':<60} {'queries':>7} {'median ms':>10} {'p95 ms':>9}")
    for shape in arguments.shapes:
        for size in arguments.sizes:
            LOADERS[shape](size)
            cookie = session_cookie()
            measured = []
            for label, path in pages(size):
                measured.append((label, path, False))
                if label.startswith("model group page") and not any(cold for *_, cold in measured):
                    measured.append((label + ", cycles not kept", path, True))  # the first group page, cold too
            for label, path, cold in measured:
                figures = measure(base_url, path, cookie, arguments.requests, counter, cold=cold)
                print(
                    f"{shape:<6} {size:>7}  {label:<60} {figures['queries']:>7.1f} {figures['median_ms']:>10.1f}"
                    f" {figures['p95_ms']:>9.1f}"
                )
    server.shutdown()


if __name__ == "__main__":
    main()
