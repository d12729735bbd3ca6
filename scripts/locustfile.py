"""The load of `make loadtest` (scripts/loadtest.py starts it): what a fleet of gateways and clients does at once.

- pollers read `/v1/models?include_metadata=true` whole, as a client without a cache does;
- conditional pollers send the ETag they hold back (`If-None-Match`), as gateways polling every few seconds do,
  and take the new list when a write changed it;
- a writer changes a chain every second (`POST /fallback`), so the lists are built again at each new version.

The load balancer's `/health` probes come from scripts/loadtest.py itself, not from locust: locust's own event
loop, busy reading megabytes of lists, would add its delays to what it measures.

Each answer is recorded by request and status (200, 304, ...) with its time, and written as JSON to
LOADTEST_RESULTS when the run stops; scripts/loadtest.py prints the table.
"""

import json
import os
from collections import defaultdict

from locust import FastHttpUser, constant, constant_throughput, events, task

KEY = os.environ["LOADTEST_KEY"]
MODELS = os.environ.get("LOADTEST_MODELS", "/v1/models?include_metadata=true")
SOURCE, TARGETS = os.environ.get("LOADTEST_SOURCE", ""), os.environ.get("LOADTEST_TARGETS", "").split(",")
AUTH = {"Authorization": f"Bearer {KEY}"}
# Requests per second of each poller (LOADTEST_RATE; 0: as fast as answers come back).
RATE = float(os.environ.get("LOADTEST_RATE", "0"))
POLLING = constant_throughput(RATE) if RATE else constant(0)

answers: dict[str, list[float]] = defaultdict(list)  # "name status" -> milliseconds


@events.request.add_listener
def record(request_type, name, response_time, response_length, response, exception, **kwargs):
    status = getattr(response, "status_code", None) or "error"
    answers[f"{request_type} {name} {status}"].append(response_time)


@events.test_stop.add_listener
def write_results(environment, **kwargs):
    with open(os.environ["LOADTEST_RESULTS"], "w") as output:
        json.dump(answers, output)


class Poller(FastHttpUser):
    weight = 4
    wait_time = POLLING

    @task
    def full_list(self):
        self.client.get(MODELS, headers=AUTH, name=f"{MODELS} (no ETag)")


class ConditionalPoller(FastHttpUser):
    weight = 4
    wait_time = POLLING
    etag = ""

    @task
    def conditional_list(self):
        headers = {**AUTH, "If-None-Match": self.etag} if self.etag else AUTH
        with self.client.get(MODELS, headers=headers, name=f"{MODELS} (If-None-Match)", catch_response=True) as answer:
            if answer.status_code in (200, 304):
                self.etag = answer.headers.get("ETag", self.etag)
                answer.success()


class Writer(FastHttpUser):
    weight = 1
    fixed_count = 1
    wait_time = constant(float(os.environ.get("LOADTEST_WRITE_EVERY", "1")))
    turn = 0

    @task
    def write_chain(self):
        self.turn += 1
        targets = TARGETS if self.turn % 2 else TARGETS[::-1]
        self.client.post("/fallback", json={"model": SOURCE, "fallback_models": targets}, headers=AUTH)
