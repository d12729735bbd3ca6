"""A real LiteLLM 1.110.2 proxy, started from this service's export, reports the chains this service reports
(PRODUCT.md sections 2, 6 and 7).

The export is what `manage.py export_config` writes; the proxy runs it with only what keeps it offline:
every deployment's `api_base` at a closed local port, dummy values for the `os.environ/NAME` references,
a long random master key, the local cost map and no telemetry. Then, for every fallback type, its
`GET /v1/models?include_metadata=true&fallback_type=T` and this service's must list the same models, each
with the same `metadata.fallbacks`, with one legitimate difference: LiteLLM's listing shows a model
inside a chain it inherits (the `*` chain, or one keyed by another spelling of its name), which this
service leaves out because the router skips the model itself.
"""

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from fallbacks import services
from fallbacks.domain import FALLBACK_TYPES
from tests.conformance.conftest import oracle_env
from tests.factories import export
from tests.servers import free_port

pytestmark = [pytest.mark.conformance, pytest.mark.slow, pytest.mark.django_db]

FIXTURE = Path(__file__).parent.parent / "fixtures" / "litellm_config.yaml"
API_BASE = "http://127.0.0.1:9/v1"
ENV_PREFIX = "os.environ/"
STARTUP_SECONDS = 180
ACTOR = "conformance"


def configure() -> None:
    """The fixture's configuration, with groups named by other spellings of each other, and chains of every type."""
    call_command("import_config", str(FIXTURE), stdout=StringIO())
    for name in [
        "openai/gpt-4o",
        "azure/gpt-4o",
        "openai/gpt-4o-mini",
        "gpt-4.1",
        "openai/gpt-4.1",
        "x-1",
        "wally/x-1",
    ]:
        services.group_create(actor=ACTOR, name=name)  # no deployments: exported as placeholders
    services.chain_set(
        actor=ACTOR, source="openai/gpt-4.1", fallback_type="general", targets=["gpt-4o", "openai/gpt-4o"]
    )
    services.chain_set(actor=ACTOR, source="x-1", fallback_type="general", targets=["wally/x-1", "gpt-4.1"])
    services.chain_set(actor=ACTOR, source="gpt-4o-mini", fallback_type="context_window", targets=["gpt-4.1"])
    services.chain_set(actor=ACTOR, source="*", fallback_type="content_policy", targets=["x-1", "gpt-4o"])


def proxy_config(text: str, master_key: str) -> tuple[dict, dict]:
    """The export as the proxy runs it offline, and the environment its `os.environ/` references need."""
    config = yaml.safe_load(text)
    environment = {}

    def provide(value: object) -> None:
        if isinstance(value, str) and value.startswith(ENV_PREFIX):
            environment[value.removeprefix(ENV_PREFIX)] = "conformance-dummy-value"
        elif isinstance(value, dict):
            for item in value.values():
                provide(item)
        elif isinstance(value, list):
            for item in value:
                provide(item)

    for deployment in config["model_list"]:
        deployment["litellm_params"]["api_base"] = API_BASE
        provide(deployment["litellm_params"])
    config["general_settings"] = {"master_key": master_key}
    return config, environment


def get_json(url: str, key: str | None = None) -> object:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@contextmanager
def running_proxy(proxy_oracle, config: dict, environment: dict, folder: Path):
    """Run the real proxy on `config` (its `os.environ/` references set from `environment`) in `folder`; yields its
    base URL once it answers `/v1/models` with the config's master key; stops it afterwards."""
    master_key = config["general_settings"]["master_key"]
    config_file = folder / "litellm-config.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    port = free_port()
    log = (folder / "proxy.log").open("w")
    process = subprocess.Popen(
        [
            str(proxy_oracle.bin / "litellm"),
            "--config",
            str(config_file),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--num_workers",
            "1",
        ],
        env={**oracle_env(), **environment},
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as one below
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"the LiteLLM proxy exited ({process.returncode}):\n{(folder / 'proxy.log').read_text()[-4000:]}"
                )
            try:
                get_json(f"{base_url}/v1/models", master_key)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the LiteLLM proxy did not answer in {STARTUP_SECONDS} s")
                time.sleep(1)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture
def litellm_proxy(proxy_oracle, tmp_path):
    """Start the real proxy on this service's export; yields `(base_url, master_key)`; stops it afterwards."""
    configure()
    master_key = "sk-" + secrets.token_urlsafe(32)
    config, environment = proxy_config(export(), master_key)
    with running_proxy(proxy_oracle, config, environment, tmp_path) as base_url:
        yield base_url, master_key


def test_the_real_proxy_reports_the_chains_this_service_reports(litellm_proxy, api):
    base_url, master_key = litellm_proxy
    compared, inherited_shown = 0, 0
    for fallback_type in FALLBACK_TYPES.values():
        query = f"include_metadata=true&fallback_type={fallback_type}"
        ours = {model["id"]: model["metadata"]["fallbacks"] for model in api.get(f"/v1/models?{query}").json()["data"]}
        theirs = {
            model["id"]: model["metadata"]["fallbacks"]
            for model in get_json(f"{base_url}/v1/models?{query}", master_key)["data"]
        }
        assert sorted(theirs) == sorted(ours), fallback_type
        for model, chain in theirs.items():
            # A chain of a model's own never names it (no model is its own fallback): the model in LiteLLM's list
            # means a chain it inherits, shown with it; this service shows what the router will try.
            inherited_shown += model in chain
            assert [name for name in chain if name != model] == ours[model], (fallback_type, model, chain)
            compared += 1
    assert compared == 3 * len(ours)
    assert inherited_shown >= 2  # the listing's habit really was met
    # rules keyed by another spelling of a name, both ways, reached the proxy and agree
    assert api.get("/fallback/gpt-4.1").json()["inherited_from"] == "openai/gpt-4.1"
    assert api.get("/fallback/wally/x-1").json()["inherited_from"] == "x-1"
    assert (
        api.get("/fallback/openai/gpt-4o-mini?fallback_type=context_window").json()["inherited_from"] == "gpt-4o-mini"
    )
    print(f"\nLiteLLM 1.110.2 proxy: {compared} chains compared ({len(ours)} groups x 3 types), all agree")
