"""Time and peak memory of `import_config` and `export_config` at 10,000 model groups.

The config has one deployment per model group and chains of all three types (a general chain
on every group, a context-window chain on every second, a content-policy chain on every third,
and a `*` chain of each type). It runs against a throwaway SQLite file in a temporary folder
(or `--database-url` for a throwaway PostgreSQL database): never the developer's db.sqlite3.

Each operation runs twice: once for the time, once under tracemalloc for the peak of memory the
Python side allocated (tracemalloc slows the run, so it would spoil the time).

    .venv/bin/python scripts/bench_config.py [--groups 10000] [--database-url postgres://...]
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_config(groups: int) -> str:
    """A LiteLLM config of `groups` model groups, names with `/` and `:` among them."""
    import yaml

    names = [
        f"provider-{index % 7}/model-{index:05d}" if index % 3 == 0 else f"model-{index:05d}:latest"
        for index in range(groups)
    ]
    model_list = [
        {
            "model_name": name,
            "litellm_params": {"model": f"openai/{name}", "api_key": "os.environ/OPENAI_API_KEY", "rpm": 600},
            "model_info": {"max_input_tokens": 8192 + index},
        }
        for index, name in enumerate(names)
    ]

    def target(index: int, step: int) -> str:
        return names[(index + step) % groups]

    general = [{name: [target(i, 1), target(i, 2)]} for i, name in enumerate(names)]
    context_window = [{name: [target(i, 3)]} for i, name in enumerate(names) if i % 2 == 0]
    content_policy = [{name: [target(i, 5), target(i, 7)]} for i, name in enumerate(names) if i % 3 == 0]
    general.append({"*": names[:3]})
    context_window.append({"*": names[3:5]})
    content_policy.append({"*": names[5:6]})
    document = {
        "model_list": model_list,
        "router_settings": {
            "fallbacks": general,
            "context_window_fallbacks": context_window,
            "content_policy_fallbacks": content_policy,
            "max_fallbacks": 4,
        },
    }
    return yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)


def measure(operation, *, traced: bool):
    """(seconds, peak bytes or None, result) of one call."""
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = operation()
    elapsed = time.perf_counter() - started
    peak = None
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument(
        "--database-url", help="a throwaway database (its tables are emptied); a temp SQLite file by default"
    )
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="bench-config-")
    # Set before Django reads its settings, so nothing here can reach the developer's database.
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(workdir.name) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["FALLBACKS_ENV_FILE"] = os.devnull  # the developer's .env must not point us elsewhere
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fallbacks import selectors, services
    from fallbacks.config_format import emit_config
    from fallbacks.models import ChangeRecord, Configuration, Deployment, FallbackEntry, ModelGroup

    call_command("migrate", verbosity=0, interactive=False)

    def empty_database() -> None:
        for model in (FallbackEntry, Deployment, ModelGroup, ChangeRecord, Configuration):
            model.objects.all().delete()

    def import_document() -> object:
        return services.config_import(actor="bench", document=document, mode="replace")

    def export_document() -> str:
        return emit_config(selectors.config_data())

    document = build_config(args.groups)
    print(f"LiteLLM config of {args.groups:,} model groups: {len(document) / 1e6:.1f} MB of YAML")
    where = "the throwaway --database-url" if args.database_url else "a temp file"
    print(f"database: {connection.vendor}, {where}")
    empty_database()

    rows = []
    with CaptureQueriesContext(connection) as queries:
        seconds, _, report = measure(import_document, traced=False)
    chains = len(selectors.chain_map())
    rows.append(("import into an empty database", seconds, len(queries), f"{report.summary}, {chains:,} chains"))
    with CaptureQueriesContext(connection) as queries:
        seconds, _, exported = measure(export_document, traced=False)
    rows.append(("export", seconds, len(queries), f"{len(exported) / 1e6:.1f} MB"))
    with CaptureQueriesContext(connection) as queries:
        seconds, _, report = measure(
            lambda: services.config_import(actor="bench", document=exported, mode="replace"), traced=False
        )
    assert report.diff.is_empty, "importing the export must change nothing"
    rows.append(("re-import of the export (no change)", seconds, len(queries), "nothing written"))

    empty_database()
    _, import_peak, _ = measure(import_document, traced=True)
    _, export_peak, _ = measure(export_document, traced=True)

    print(f"{'operation':<38} {'seconds':>8} {'queries':>8}  result")
    for name, seconds, query_count, result in rows:
        print(f"{name:<38} {seconds:>8.2f} {query_count:>8}  {result}")
    print(f"peak memory (tracemalloc): import {import_peak / 2**20:.0f} MiB, export {export_peak / 2**20:.0f} MiB")
    if args.database_url:
        empty_database()
    workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
