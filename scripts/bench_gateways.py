"""A drift check and a publish of 100 chains against a peer instance of this service (PRODUCT.md 3.4).

The peer is a second instance of this service standing in as a database-backed LiteLLM gateway (it answers
LiteLLM's `/fallback` contract; tests/gateways/test_publish_peer.py): served by gunicorn with the production
settings (`--peer-server runserver` for Django's development server, as the tests use), each instance on its own
throwaway SQLite file. Both hold the same model groups; this service holds `--chains` general chains, a `*`
context-window chain and none of a chain the peer holds. Figures:

1. drift check, out of sync (three listings), and the plan of what a publish writes and deletes;
2. publish: the writes and deletes that differ, then the drift check again;
3. publish again, in sync: nothing written; and a drift check in sync.

    .venv/bin/python scripts/bench_gateways.py [--chains 100] [--peer-server gunicorn|runserver]
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from bench import free_port, production_environment  # noqa: E402  (the benchmarks' production-like settings)


def start_peer(folder: Path, server: str) -> tuple[subprocess.Popen, str, str]:
    key = "sk-peer-" + secrets.token_urlsafe(32)
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "FALLBACKS_"))},
        **production_environment(f"sqlite:///{folder / 'peer.sqlite3'}", key),
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env=environment, check=True, cwd=ROOT)
    port = free_port()
    if server == "gunicorn":
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=environment, check=True, cwd=ROOT
        )
        command = [
            str(Path(python).parent / "gunicorn"),
            "project.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            os.devnull,
        ]
    else:
        command = [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    log = (folder / "peer.log").open("w")
    process = subprocess.Popen(
        command, env=environment, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return process, f"http://127.0.0.1:{port}", key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chains", type=int, default=100)
    parser.add_argument("--peer-server", choices=["gunicorn", "runserver"], default="gunicorn")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="bench-gateways-")
    folder = Path(workdir.name)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'here.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["FALLBACKS_ENV_FILE"] = os.devnull
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    import httpx
    from django.core.management import call_command

    from fallbacks import selectors, services
    from fallbacks.gateways import checks

    call_command("migrate", verbosity=0, interactive=False)
    process, base_url, key = start_peer(folder, args.peer_server)
    try:
        peer = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                if peer.get("/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                print((folder / "peer.log").read_text()[-3000:])
                return 1
            time.sleep(0.3)

        names = [f"bench-{index:04}" for index in range(args.chains + 1)]
        for name in names:
            services.group_create(actor="bench", name=name)
            assert peer.post("/model_groups", json={"name": name}).status_code == 201
        for index in range(args.chains):
            services.chain_set(actor="bench", source=names[index], fallback_type="general", targets=[names[index + 1]])
        services.chain_set(actor="bench", source="*", fallback_type="context_window", targets=[names[0]])
        extra = {"model": names[5], "fallback_models": [names[9]], "fallback_type": "content_policy"}
        assert peer.post("/fallback", json=extra).status_code == 200
        os.environ["BENCH_PEER_KEY"] = key
        gateway = services.gateway_create(
            actor="bench", name="peer", base_url=base_url, api_key="os.environ/BENCH_PEER_KEY", mode="publish"
        )
        print(f"peer: this service over {args.peer_server}, SQLite; {len(names)} model groups on both sides")

        started = time.perf_counter()
        report = checks.drift_report(gateway)
        print(
            f"drift check, out of sync: {time.perf_counter() - started:.2f} s "
            f"(3 listings; {len(report['chains'])} chains differ)"
        )
        started = time.perf_counter()
        plan = checks.publish_plan(gateway)
        print(
            f"publish plan: {time.perf_counter() - started:.2f} s "
            f"({len(plan['writes'])} writes, {len(plan['deletes'])} deletes; 3 listings + one `*` lookup per type)"
        )

        started = time.perf_counter()
        report = checks.publish(selectors.gateway("peer"))
        seconds = time.perf_counter() - started
        changes = len(report["published"]) + len(report["failed"])
        print(
            f"publish of {args.chains} chains (+1 `*`, 1 delete): {seconds:.2f} s, {len(report['published'])} landed, "
            f"{len(report['failed'])} failed, in_sync={report['in_sync']} "
            f"({seconds / max(changes, 1) * 1000:.0f} ms per change, drift before and after included)"
        )
        if report["failed"] or not report["in_sync"]:
            print(report)
            return 1

        started = time.perf_counter()
        report = checks.publish(selectors.gateway("peer"))
        print(
            f"publish again, in sync: {time.perf_counter() - started:.2f} s "
            f"({len(report['published'])} written, in_sync={report['in_sync']})"
        )
        started = time.perf_counter()
        report = checks.drift_report(selectors.gateway("peer"))
        print(f"drift check, in sync: {time.perf_counter() - started:.2f} s (in_sync={report['in_sync']})")
        return 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
