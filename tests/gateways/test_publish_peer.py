"""Publishing (PRODUCT.md 3.4), proven against a second instance of this service standing in as a database-backed
gateway: it answers LiteLLM's `/fallback` contract exactly (section 7). The peer is `manage.py runserver` on its
own port with its own SQLite file, set up through its own API.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from fallbacks import services
from tests.servers import free_port, production_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parent.parent.parent
ACTOR = "publish-test"


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    """`(base_url, httpx client with the peer's master key)`: a second instance of this service."""
    folder = tmp_path_factory.mktemp("peer")
    key = "sk-peer-" + secrets.token_urlsafe(32)
    environment = production_environment(DATABASE_URL=f"sqlite:///{folder / 'peer.sqlite3'}", FALLBACKS_MASTER_KEY=key)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=environment, check=True, cwd=ROOT)
    port = free_port()
    log = (folder / "peer.log").open("w")
    process = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=environment,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the peer did not start:\n{(folder / 'peer.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield base_url, client, key
    finally:
        client.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def peer_groups(client, names) -> None:
    for name in names:
        assert client.post("/model_groups", json={"name": name}).status_code in (201, 409)


def register(api, base_url, monkeypatch, key, mode="publish") -> None:
    monkeypatch.setenv("PEER_KEY", key)
    body = {"name": "peer", "base_url": base_url, "api_key": "os.environ/PEER_KEY", "mode": mode}
    assert api.post("/gateways", body, format="json").status_code == 201


def test_publish_makes_the_peer_run_this_configuration(api, peer, monkeypatch):
    base_url, client, key = peer
    names = [f"pub-{index:03}" for index in range(101)]
    for name in names:
        services.group_create(actor=ACTOR, name=name)
    for index in range(100):  # 100 chains: 97 general, and one of each type plus `*`
        services.chain_set(actor=ACTOR, source=names[index], fallback_type="general", targets=[names[index + 1]])
    services.chain_set(actor=ACTOR, source="*", fallback_type="context_window", targets=[names[0]])
    peer_groups(client, names)
    # the peer holds a chain this configuration lacks: publish deletes it
    assert (
        client.post(
            "/fallback", json={"model": names[5], "fallback_models": [names[9]], "fallback_type": "content_policy"}
        ).status_code
        == 200
    )
    register(api, base_url, monkeypatch, key)
    assert api.get("/gateways/peer/drift").json()["in_sync"] is False

    started = time.monotonic()
    response = api.post("/gateways/peer/publish")
    seconds = time.monotonic() - started
    assert response.status_code == 200
    report = response.json()
    assert (report["failed"], report["error"], report["in_sync"]) == ([], None, True), report
    assert len(report["published"]) == 102  # 101 chains written, 1 deleted
    assert {"model": names[5], "fallback_type": "content_policy"} in report["published"]
    for index in range(100):
        live = client.get(f"/fallback/{names[index]}").json()
        assert live["fallback_models"] == [names[index + 1]]
        assert "inherited_from" not in live
    assert client.get(f"/fallback/{names[5]}?fallback_type=content_policy").status_code == 404
    assert client.get("/fallback/*?fallback_type=context_window").json()["fallback_models"] == [names[0]]
    assert api.get("/gateways/peer/drift").json()["in_sync"] is True
    # once in sync, publishing again writes nothing
    again = api.post("/gateways/peer/publish").json()
    assert (again["published"], again["failed"], again["in_sync"]) == ([], [], True)
    print(f"\npublish of 100 chains (+1 `*`, 1 delete) to a peer over HTTP: {seconds:.2f} s")


def test_a_chain_naming_a_model_the_peer_lacks_fails_with_its_answer(api, peer, monkeypatch):
    base_url, client, key = peer
    for name in ("lack-a", "lack-b", "lack-only-here"):
        services.group_create(actor=ACTOR, name=name)
    services.chain_set(actor=ACTOR, source="lack-a", fallback_type="general", targets=["lack-b"])
    services.chain_set(actor=ACTOR, source="lack-b", fallback_type="general", targets=["lack-only-here"])
    peer_groups(client, ["lack-a", "lack-b"])
    register(api, base_url, monkeypatch, key)
    report = api.post("/gateways/peer/publish").json()
    assert {"model": "lack-a", "fallback_type": "general"} in report["published"]
    assert report["failed"] == [
        {
            "model": "lack-b",
            "fallback_type": "general",
            "status": 400,
            "error": "Invalid fallback models: ['lack-only-here']",
        }
    ]
    assert report["in_sync"] is False
    assert client.get("/fallback/lack-a").json()["fallback_models"] == ["lack-b"]
    out = StringIO()
    with pytest.raises(Exception, match="not in sync"):
        call_command("publish_gateway", "peer", stdout=out)
    assert "failed lack-b (general): 400 Invalid fallback models: ['lack-only-here']" in out.getvalue()


def test_publish_needs_mode_publish_and_a_writing_key(api, read_only_api, peer, monkeypatch):
    base_url, _, key = peer
    register(api, base_url, monkeypatch, key, mode="observe")
    response = api.post("/gateways/peer/publish")
    assert response.status_code == 409
    assert "mode observe" in response.json()["detail"]["error"]
    assert read_only_api.post("/gateways/peer/publish").status_code == 403
