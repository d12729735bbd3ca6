"""The history's size and the cost of a whole rollback at 10,000 model groups (PRODUCT.md 3.3).

1. Imports 10,000 model groups (one deployment each, a general chain each).
2. Makes `--writes` single-chain writes (10,000 by default) through the service, as `POST /fallback`
   does, and prints what the history stores: rows, and bytes of before/after data.
3. Times a whole rollback across the last 1,000 versions (each of which changed one chain), and the
   rollback back again; both must stay under 5 seconds.

It runs against a throwaway SQLite file (or `--database-url` for a throwaway PostgreSQL database).

    .venv/bin/python scripts/bench_history.py [--groups 10000] [--writes 10000] [--database-url postgres://...]
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_config import build_config  # noqa: E402

ROLLBACK_SPAN = 1000
ROLLBACK_BUDGET_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--writes", type=int, default=10_000)
    parser.add_argument("--database-url", help="a throwaway database (its tables are emptied); a temp SQLite file")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="bench-history-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(workdir.name) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["FALLBACKS_ENV_FILE"] = os.devnull
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fallbacks import selectors, services
    from fallbacks.models import ChangeRecord, ConfigChange, Configuration, Deployment, FallbackEntry, ModelGroup

    call_command("migrate", verbosity=0, interactive=False)
    for model in (FallbackEntry, Deployment, ModelGroup, ConfigChange, ChangeRecord, Configuration):
        model.objects.all().delete()

    started = time.perf_counter()
    services.config_import(actor="bench", document=build_config(args.groups), mode="replace")
    names = list(ModelGroup.objects.values_list("name", flat=True))
    print(
        f"database: {connection.vendor}; {len(names):,} model groups imported in {time.perf_counter() - started:.1f} s"
    )

    rng = random.Random(7)
    started = time.perf_counter()
    for _ in range(args.writes):
        source = rng.choice(names)
        targets = rng.sample([name for name in rng.sample(names, 4) if name != source], 2)
        services.chain_set(actor="bench", source=source, fallback_type="general", targets=targets)
    elapsed = time.perf_counter() - started
    print(f"{args.writes:,} single-chain writes: {elapsed:.1f} s ({elapsed / args.writes * 1000:.1f} ms each)")

    writes = ChangeRecord.objects.filter(action__in=["chain_create", "chain_update"])
    changes = ConfigChange.objects.filter(record__in=writes)
    data_bytes = sum(
        len(json.dumps(before)) + len(json.dumps(after)) for before, after in changes.values_list("before", "after")
    )
    print(
        f"history of those writes: {writes.count():,} versions, {changes.count():,} changes, "
        f"{data_bytes / 1e6:.2f} MB of before/after data ({data_bytes / max(changes.count(), 1):.0f} bytes a change)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('fallbacks_configchange')"
                " + pg_total_relation_size('fallbacks_changerecord')"
            )
            print(f"on disk (tables and indexes, PostgreSQL): {cursor.fetchone()[0] / 1e6:.1f} MB")

    current = selectors.config_version()
    target = current - ROLLBACK_SPAN
    started = time.perf_counter()
    result = services.config_rollback(actor="bench", to_version=target)
    back = time.perf_counter() - started
    started = time.perf_counter()
    services.config_rollback(actor="bench", to_version=current)
    forward = time.perf_counter() - started
    verdict = "within" if max(back, forward) < ROLLBACK_BUDGET_SECONDS else "OVER"
    print(
        f"whole rollback across {ROLLBACK_SPAN:,} versions at {len(names):,} groups: {back:.2f} s "
        f"({len(result.changes):,} chains changed), and forward again {forward:.2f} s: {verdict} the "
        f"{ROLLBACK_BUDGET_SECONDS:.0f} s budget"
    )
    workdir.cleanup()
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
