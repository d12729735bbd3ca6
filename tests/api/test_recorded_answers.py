"""Recorded answers of the HTTP API: bodies, status codes and headers, byte for byte.

One ordered script of requests (SCENARIO below) goes through every endpoint and its errors,
on a fresh database, building its data through the API itself. Each answer must equal the
one recorded in tests/fixtures/recorded_answers.json exactly: the status, the body's text and
the headers Content-Type, X-Config-Version, Allow, WWW-Authenticate and Retry-After (those
present). A restructure of the code that keeps the API as it is keeps this test green; the
first answer that differs fails it, with the step, its request, and what was expected and got.

The test drives the app only through its HTTP doors: `rest_framework.test.APIClient` for the
requests, and `manage.py create_api_key` (through `call_command`) for the read-only and
read-write keys. It imports nothing from the app, so moving modules around cannot break it.
The read-only mode of PRODUCT.md 3.1 (STORE_MODEL_IN_DB=False, an environment setting) is the
one thing set from outside: the steps that need it run under `override_settings`.

The only normalisation: a model group's `created` is the unix time of its creation, so the
digits of `"created": <n>` (and `"created":<n>`) are replaced with `<created>`, in the
recording and in the answers replayed. Config versions are kept: the script is deterministic,
so they are too.

To record the answers again (after a deliberate change of the API, or of SCENARIO), either

    RECORD_API_ANSWERS=1 .venv/bin/python -m pytest tests/api/test_recorded_answers.py

or `.venv/bin/python scripts/record_api_answers.py`, which does just that. A recording run
writes the file and reports the test as skipped; review the diff of the JSON file before
committing it.
"""

import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

RECORDING = Path(__file__).resolve().parent.parent / "fixtures" / "recorded_answers.json"
RECORD_ENV = "RECORD_API_ANSWERS"
HEADERS = ("Content-Type", "X-Config-Version", "Allow", "WWW-Authenticate", "Retry-After")
CREATED = re.compile(r'("created":\s*)\d+')
CREATED_TOKEN = "<created>"

# Who sends a request: a name here, so the recording holds no secret (issued keys differ per run).
MASTER = "master"  # Authorization: Bearer <settings.MASTER_KEY>
READER = "reader"  # a key from `manage.py create_api_key ... --read-only`
WRITER = "writer"  # a key from `manage.py create_api_key ... --read-write`
NOBODY = "none"  # no Authorization header
WRONG_KEY = "wrong key"  # Bearer with a key nobody issued
NOT_BEARER = "basic"  # Authorization: Basic ...
LITELLM_HEADER = "master in X-LiteLLM-Api-Key"  # the master key in LiteLLM's own header
NO_BODY = object()


@dataclass(frozen=True)
class Step:
    note: str
    method: str
    path: str
    body: str | None = None
    auth: str = MASTER
    content_type: str | None = None
    settings: dict = field(default_factory=dict)

    def request(self) -> dict:
        """The request as the recording shows it."""
        recorded = {"note": self.note, "method": self.method, "path": self.path, "auth": self.auth}
        if self.body is not None:
            recorded["body"] = self.body
            recorded["content_type"] = self.content_type
        if self.settings:
            recorded["settings"] = self.settings
        return recorded

    def describe(self) -> str:
        text = f"{self.method} {self.path} as {self.auth}"
        if self.body is not None:
            text += f" with body {self.body[:300]!r} ({self.content_type})"
        if self.settings:
            text += f" with settings {self.settings}"
        return text


def _step(note, method, path, body=NO_BODY, *, auth=MASTER, raw=None, content_type="application/json", **overrides):
    """A step; `body` is JSON-encoded, `raw` is sent as it is (for bodies that are not JSON)."""
    if raw is None and body is not NO_BODY:
        raw = json.dumps(body, ensure_ascii=False)
    return Step(
        note=note,
        method=method,
        path=path,
        body=raw,
        auth=auth,
        content_type=content_type if raw is not None else None,
        settings=overrides,
    )


def get(note, path, **kwargs):
    return _step(note, "GET", path, **kwargs)


def post(note, path, body=NO_BODY, **kwargs):
    return _step(note, "POST", path, body, **kwargs)


def patch(note, path, body=NO_BODY, **kwargs):
    return _step(note, "PATCH", path, body, **kwargs)


def delete(note, path, **kwargs):
    return _step(note, "DELETE", path, **kwargs)


def chain(model, fallback_models, fallback_type=None) -> dict:
    body = {"model": model, "fallback_models": fallback_models}
    if fallback_type is not None:
        body["fallback_type"] = fallback_type
    return body


# The model groups. Their names share no first letter, so that every database sorts them alike
# (a PostgreSQL database in a locale such as en_US.UTF-8 sorts `-`, `/` and `:` apart from SQLite).
GPT = "gpt-4o"
CLAUDE = "claude-3-5-sonnet"
LLAMA = "openrouter/llama-3-70b"  # a `/` in the name
AZURE = "azure:gpt-4o-mini"  # a `:` in the name
MISTRAL = "mistral-large"
BEDROCK = "bedrock/anthropic.claude-v2:1"  # `/`, `.` and `:`
DEEPSEEK = "deepseek-chat"  # renamed to DEEPSEEK_V3 on the way
DEEPSEEK_V3 = "deepseek-v3"
DEEP_JSON = "[" * 65 + "]" * 65  # one level deeper than any body may nest

SCENARIO = [
    # Health checks need no key.
    get("liveness", "/health", auth=NOBODY),
    get("readiness before any write", "/health/readiness", auth=NOBODY),
    # Authentication failures.
    get("no key", "/fallback", auth=NOBODY),
    get("a key nobody issued", "/fallback", auth=WRONG_KEY),
    get("not a Bearer key", "/v1/models", auth=NOT_BEARER),
    get("the master key in X-LiteLLM-Api-Key", "/v1/models", auth=LITELLM_HEADER),
    get("read-only key reads", "/fallback", auth=READER),
    post("read-only key cannot create a group", "/model_groups", {"name": GPT}, auth=READER),
    # Everything empty.
    get("empty model list", "/v1/models"),
    get("no model groups", "/model_groups"),
    get("default settings", "/fallback_settings"),
    get("nothing to lint", "/fallback_lint"),
    get("no default chain yet", "/fallback/*"),
    delete("no default chain to delete", "/fallback/*"),
    # Model groups, built through the API.
    post("create a group", "/model_groups", {"name": GPT, "max_input_tokens": 128000}),
    post(
        "create a group with every field, read-write key",
        "/model_groups",
        {
            "name": CLAUDE,
            "owned_by": "anthropic",
            "description": "Claude 3.5 Sonnet — 200k context, “curly quotes”",
            "max_input_tokens": 200000,
        },
        auth=WRITER,
    ),
    post(
        "a `/` in the name, owned_by trimmed",
        "/model_groups",
        {"name": LLAMA, "owned_by": " openrouter ", "max_input_tokens": 8192},
    ),
    post("a `:` in the name", "/model_groups", {"name": AZURE, "owned_by": "azure", "max_input_tokens": 128000}),
    post("the name is trimmed", "/model_groups", {"name": f"  {MISTRAL}\t"}),
    post(
        "`/`, `.` and `:` in the name",
        "/model_groups",
        {"name": BEDROCK, "owned_by": "bedrock", "max_input_tokens": 100000},
    ),
    post("a group to rename", "/model_groups", {"name": DEEPSEEK, "owned_by": "deepseek"}),
    post("name taken", "/model_groups", {"name": GPT}),
    post("`*` is no group name", "/model_groups", {"name": "*"}),
    post("blank name", "/model_groups", {"name": "  "}),
    post("no name", "/model_groups", {"owned_by": "openai"}),
    post("a name that is not a string", "/model_groups", {"name": 5}),
    post("fields that cannot be set", "/model_groups", {"name": "new", "created": 1, "deployments": []}),
    post("max_input_tokens out of range", "/model_groups", {"name": "new", "max_input_tokens": 0}),
    post("a list as body", "/model_groups", [{"name": "new"}]),
    get("every group, by name", "/model_groups"),
    get("one group, `/` in its name", f"/model_groups/{LLAMA}"),
    get("no such group", "/model_groups/nope"),
    patch("change two fields", f"/model_groups/{DEEPSEEK}", {"description": "DeepSeek V3", "max_input_tokens": 64000}),
    patch("change nothing: no new version", f"/model_groups/{DEEPSEEK}", {"description": "DeepSeek V3"}),
    patch("rename to a taken name", f"/model_groups/{DEEPSEEK}", {"name": GPT}),
    patch("fields that cannot be set", f"/model_groups/{DEEPSEEK}", {"created": 1, "fallbacks": {}}),
    patch("blank owned_by", f"/model_groups/{DEEPSEEK}", {"owned_by": ""}),
    patch("rename", f"/model_groups/{DEEPSEEK}", {"name": DEEPSEEK_V3}),
    # POST /fallback: created, updated, trimming, `*`.
    post("create a chain", "/fallback", chain(GPT, [CLAUDE, LLAMA])),
    post("replace it whole", "/fallback", chain(GPT, [LLAMA, CLAUDE, AZURE], "general")),
    post("model and targets trimmed", "/fallback", chain(f"  {GPT}\t", [f" {CLAUDE} ", LLAMA])),
    post("a context_window chain (warnings)", "/fallback", chain(GPT, [CLAUDE, LLAMA], "context_window")),
    post("the default general chain", "/fallback", chain("*", [MISTRAL, GPT])),
    post("content_policy chain, `/` and `:` names", "/fallback", chain(LLAMA, [AZURE], "content_policy")),
    post("a cycle (info warning), read-write key", "/fallback", chain(CLAUDE, [GPT]), auth=WRITER),
    post("a `*` context_window chain", "/fallback", chain("*", [CLAUDE], "context_window")),
    # POST /fallback: PRODUCT.md 3.1's error table, and the rest.
    post("source model does not exist", "/fallback", chain("nope", [GPT])),
    post("targets do not exist", "/fallback", chain(GPT, ["nope-b", CLAUDE, "nope-a"])),
    post("source and a target do not exist", "/fallback", chain("nope", ["nope-a"])),
    post("`*` is no target", "/fallback", chain(GPT, ["*"])),
    post("own fallback", "/fallback", chain(GPT, [CLAUDE, GPT])),
    post("duplicate targets", "/fallback", chain(GPT, [CLAUDE, CLAUDE])),
    post("empty fallback_models", "/fallback", chain(GPT, [])),
    post("blank model", "/fallback", chain("   ", [CLAUDE])),
    post("no model", "/fallback", {"fallback_models": [CLAUDE]}),
    post("unknown fallback_type", "/fallback", chain(GPT, [CLAUDE], "latency")),
    post("null fallback_type", "/fallback", {"model": GPT, "fallback_models": [CLAUDE], "fallback_type": None}),
    post("fallback_models not a list", "/fallback", {"model": GPT, "fallback_models": CLAUDE}),
    post("a blank target", "/fallback", chain(GPT, [CLAUDE, " "])),
    post("a model name too long", "/fallback", chain("m" * 256, [CLAUDE])),
    post("read-only key cannot write a chain", "/fallback", chain(GPT, [CLAUDE]), auth=READER),
    # Writes switched off (STORE_MODEL_IN_DB=False): refused, reads keep working.
    post("writes off", "/fallback", chain(GPT, [CLAUDE]), STORE_MODEL_IN_DB=False),
    post("writes off, unknown source first", "/fallback", chain("nope", [CLAUDE]), STORE_MODEL_IN_DB=False),
    delete("writes off, delete", f"/fallback/{GPT}", STORE_MODEL_IN_DB=False),
    delete("writes off, delete of an unknown model", "/fallback/nope", STORE_MODEL_IN_DB=False),
    post("writes off, create group", "/model_groups", {"name": "new"}, STORE_MODEL_IN_DB=False),
    patch("writes off, settings", "/fallback_settings", {"max_fallbacks": 3}, STORE_MODEL_IN_DB=False),
    get("writes off, reads work", f"/fallback/{GPT}", STORE_MODEL_IN_DB=False),
    # GET /fallback/{model}.
    get("own context_window chain", f"/fallback/{GPT}?fallback_type=context_window"),
    get("nothing of that type", f"/fallback/{GPT}?fallback_type=content_policy"),
    get("inherited default chain, without itself", f"/fallback/{MISTRAL}"),
    get("the default chain", "/fallback/*"),
    get("`/` and `:` in names", f"/fallback/{LLAMA}?fallback_type=content_policy"),
    get("unknown model", "/fallback/nope"),
    get("names are case-sensitive", "/fallback/GPT-4O"),
    get("unknown fallback_type", f"/fallback/{GPT}?fallback_type=latency"),
    get("read-only key reads a chain", f"/fallback/{BEDROCK}", auth=READER),
    # DELETE /fallback/{model}.
    delete("nothing of its own: inherits the default", f"/fallback/{DEEPSEEK_V3}"),
    delete("delete a chain", f"/fallback/{GPT}?fallback_type=context_window"),
    delete("deleted already: inherits the `*` context_window chain", f"/fallback/{GPT}?fallback_type=context_window"),
    delete("nothing configured at all", f"/fallback/{AZURE}?fallback_type=content_policy"),
    delete("unknown model", "/fallback/nope"),
    delete("read-only key cannot delete", f"/fallback/{GPT}", auth=READER),
    delete(
        "delete the `*` context_window chain, read-write key", "/fallback/*?fallback_type=context_window", auth=WRITER
    ),
    # GET /fallback, the list.
    get("every chain, `*` first", "/fallback"),
    get("one model", f"/fallback?model={GPT}"),
    get("the default chains", "/fallback?model=*"),
    get("a model with `/`, and a type", f"/fallback?model={LLAMA}&fallback_type=content_policy"),
    get("a model without chains", "/fallback?model=nope"),
    get("limit= (PRODUCT.md 3.2's paging)", "/fallback?limit=1"),
    # The model lists.
    get("model list", "/v1/models"),
    get("short model list, read-only key", "/models", auth=READER),
    get("with metadata", "/v1/models?include_metadata=true"),
    get("with metadata of a type", "/v1/models?include_metadata=true&fallback_type=content_policy"),
    get("with metadata of an unknown type", "/v1/models?include_metadata=true&fallback_type=latency"),
    get("unknown type without metadata: ignored", "/models?fallback_type=latency"),
    get("include_metadata neither true nor false", "/v1/models?include_metadata=maybe"),
    get("include_metadata=1", "/models?include_metadata=1&fallback_type=context_window"),
    get("one model", f"/v1/models/{GPT}"),
    get("one model, `/` in its name, with metadata", f"/v1/models/{LLAMA}?include_metadata=true"),
    get("one model, `:` in its name", f"/v1/models/{AZURE}?include_metadata=true&fallback_type=context_window"),
    get("unknown model", "/v1/models/nope"),
    get("unknown model, unknown type", "/v1/models/nope?include_metadata=true&fallback_type=latency"),
    # The attempt plan.
    get("plan: the first target answers", f"/fallback_plan/{GPT}"),
    get("plan: failing targets", f"/fallback_plan/{GPT}?failing={CLAUDE}&failing={LLAMA}"),
    get("plan: inherited default chain", f"/fallback_plan/{DEEPSEEK_V3}?failing={MISTRAL}"),
    get("plan: content_policy", f"/fallback_plan/{LLAMA}?fallback_type=content_policy&failing={AZURE}"),
    get("plan: context_window without chains of the type", f"/fallback_plan/{GPT}?fallback_type=context_window"),
    get("plan: unknown model", "/fallback_plan/nope"),
    get("plan: `*` is no model", "/fallback_plan/*"),
    get("plan: unknown failing models", f"/fallback_plan/{GPT}?failing=nope-b&failing={CLAUDE}&failing=nope-a"),
    # The lint.
    get("lint", "/fallback_lint"),
    get("lint of one model", f"/fallback_lint?model={GPT}"),
    get("lint, infos only", "/fallback_lint?severity=info"),
    get("lint, unknown severity", "/fallback_lint?severity=fatal"),
    # Settings.
    patch("max_fallbacks 1", "/fallback_settings", {"max_fallbacks": 1}),
    patch("an empty body changes nothing", "/fallback_settings", {}),
    get("settings", "/fallback_settings", auth=READER),
    get("plan cut by max_fallbacks", f"/fallback_plan/{GPT}?failing={LLAMA}&failing={CLAUDE}&failing={AZURE}"),
    get("lint with max_fallbacks 1", "/fallback_lint?severity=warning"),
    patch("max_fallbacks 0, read-write key", "/fallback_settings", {"max_fallbacks": 0}, auth=WRITER),
    get("lint with max_fallbacks 0", f"/fallback_lint?model={LLAMA}"),
    patch("max_fallbacks too large", "/fallback_settings", {"max_fallbacks": 101}),
    patch("max_fallbacks a boolean", "/fallback_settings", {"max_fallbacks": True}),
    patch("unknown settings", "/fallback_settings", {"max_fallbacks": 5, "retries": 2}),
    patch("a list as body", "/fallback_settings", [5]),
    patch("read-only key cannot change settings", "/fallback_settings", {"max_fallbacks": 5}, auth=READER),
    patch("max_fallbacks back to 5", "/fallback_settings", {"max_fallbacks": 5}),
    # Deleting model groups.
    delete("a group chains point at", f"/model_groups/{CLAUDE}"),
    delete("a group with chains that chains point at", f"/model_groups/{GPT}"),
    delete("an unused group", f"/model_groups/{BEDROCK}"),
    delete("free the `:` group of its chain", f"/fallback/{LLAMA}?fallback_type=content_policy"),
    delete("then delete it, read-write key", f"/model_groups/{AZURE}", auth=WRITER),
    # Bodies that are not what they should be.
    post("malformed JSON", "/fallback", raw='{"model": "gpt-4o", '),
    post("a JSON array", "/fallback", [GPT, CLAUDE]),
    post("nested too deeply", "/fallback", raw=DEEP_JSON),
    post("not JSON at all", "/fallback", raw="model=gpt-4o", content_type="application/x-www-form-urlencoded"),
    post("an empty body", "/fallback", raw=""),
    # Unknown URLs and methods.
    get("unknown URL", "/nope"),
    post("unknown URL, no key", "/v1/chat/completions", {"model": GPT}, auth=NOBODY),
    get("a trailing slash", "/fallback/"),
    get("a trailing slash after a name", f"/v1/models/{GPT}/"),
    get("a control character in the URL", "/fallback/gpt-4o%00"),
    _step("a method the endpoint lacks", "PUT", "/fallback", chain(GPT, [CLAUDE])),
    delete("no DELETE on the list", "/model_groups"),
    # The LiteLLM series (PRODUCT.md section 2): 1.110 by default, 1.109 on request or as the setting.
    post("a context_window chain for one model", "/fallback", chain(CLAUDE, [MISTRAL], "context_window")),
    get(
        "1.110: gpt-4o's context_window error walks its general chain",
        f"/fallback_plan/{GPT}?fallback_type=context_window",
    ),
    get(
        "1.109: no fallback at all",
        f"/fallback_plan/{GPT}?fallback_type=context_window&litellm_version=1.109",
    ),
    get("lint on 1.109", "/fallback_lint?litellm_version=1.109&severity=warning"),
    get("plan: unknown litellm_version", f"/fallback_plan/{GPT}?litellm_version=1.111"),
    get("lint: unknown litellm_version", "/fallback_lint?litellm_version=latest"),
    patch("the gateways run LiteLLM 1.109", "/fallback_settings", {"litellm_version": "1.109"}),
    patch("unknown litellm_version", "/fallback_settings", {"litellm_version": "1.111"}),
    get("the plan follows the setting", f"/fallback_plan/{GPT}?fallback_type=context_window"),
    get("lint asked about 1.110 on a 1.109 configuration", "/fallback_lint?litellm_version=1.110"),
    # Rules named by another spelling of a model's name: `openai/gpt-4o` uses the rule of `gpt-4o`.
    post("a group named with its provider", "/model_groups", {"name": f"openai/{GPT}"}),
    get("it uses the rule of gpt-4o", f"/fallback/openai/{GPT}"),
    get("and the model list says so", f"/v1/models/openai/{GPT}?include_metadata=true"),
    delete("nothing of its own to delete: it uses gpt-4o's rule", f"/fallback/openai/{GPT}"),
    patch("back to LiteLLM 1.110", "/fallback_settings", {"litellm_version": "1.110"}),
    delete("remove the context_window chain", f"/fallback/{CLAUDE}?fallback_type=context_window"),
    delete("remove the group", f"/model_groups/openai/{GPT}"),
    # Where it all ends.
    get("every chain at the end", "/fallback"),
    get("every group at the end", "/model_groups"),
    get("readiness at the end", "/health/readiness", auth=NOBODY),
]


def _clients() -> dict[str, APIClient]:
    """One client per way of presenting (or not) a key; the issued keys come from manage.py create_api_key."""

    def issue(name: str, access: str) -> str:
        out = io.StringIO()
        call_command("create_api_key", name, access, stdout=out, stderr=io.StringIO())
        return out.getvalue().strip()

    headers = {
        MASTER: {"HTTP_AUTHORIZATION": f"Bearer {settings.MASTER_KEY}"},
        READER: {"HTTP_AUTHORIZATION": f"Bearer {issue('recorded answers reader', '--read-only')}"},
        WRITER: {"HTTP_AUTHORIZATION": f"Bearer {issue('recorded answers writer', '--read-write')}"},
        NOBODY: {},
        WRONG_KEY: {"HTTP_AUTHORIZATION": "Bearer sk-not-a-key-anyone-issued"},
        NOT_BEARER: {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNzd29yZA=="},
        LITELLM_HEADER: {"HTTP_X_LITELLM_API_KEY": settings.MASTER_KEY},
    }
    clients = {}
    for name, credentials in headers.items():
        client = APIClient()
        client.credentials(**credentials)
        clients[name] = client
    return clients


def normalise(body: str) -> str:
    return CREATED.sub(lambda match: match.group(1) + CREATED_TOKEN, body)


def answer(clients: dict[str, APIClient], step: Step) -> dict:
    client = clients[step.auth]
    with override_settings(**step.settings):
        if step.body is None:
            response = client.generic(step.method, step.path, content_type=None)
        else:
            response = client.generic(step.method, step.path, data=step.body.encode(), content_type=step.content_type)
    return {
        "status": response.status_code,
        "headers": {name: response.headers[name] for name in HEADERS if name in response.headers},
        "body": normalise(response.content.decode()),
    }


def _load_recording() -> list[dict]:
    if not RECORDING.exists():
        pytest.fail(f"{RECORDING} is missing: record it with {RECORD_ENV}=1 (see this module's docstring)")
    return json.loads(RECORDING.read_text(encoding="utf-8"))["steps"]


def _write_recording(steps: list[dict]) -> None:
    document = {
        "about": (
            "Answers of the HTTP API to tests/api/test_recorded_answers.py's SCENARIO, on a fresh database. "
            f"Regenerate with {RECORD_ENV}=1 (see that module's docstring); `created` digits are replaced "
            f"with {CREATED_TOKEN}."
        ),
        "steps": steps,
    }
    RECORDING.parent.mkdir(parents=True, exist_ok=True)
    RECORDING.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _show(answer: dict) -> str:
    headers = "".join(f"\n    {name}: {value}" for name, value in answer["headers"].items())
    return f"  status {answer['status']}{headers}\n  body {answer['body']!r}"


def _first_difference(expected: str, got: str) -> str:
    index = next(
        (at for at, (one, other) in enumerate(zip(expected, got, strict=False)) if one != other),
        min(len(expected), len(got)),
    )
    around = slice(max(0, index - 40), index + 40)
    return f"bodies first differ at character {index}: expected ...{expected[around]!r}..., got ...{got[around]!r}..."


def _mismatch(number: int, step: Step, expected: dict, got: dict) -> str:
    lines = [
        f"Step {number} of {len(SCENARIO)} ({step.note!r}) answers differently from the recording.",
        f"request: {step.describe()}",
        f"expected:\n{_show(expected)}",
        f"got:\n{_show(got)}",
    ]
    if expected["body"] != got["body"]:
        lines.append(_first_difference(expected["body"], got["body"]))
    return "\n".join(lines)


@pytest.mark.django_db
def test_answers_equal_the_recording():
    clients = _clients()
    if os.environ.get(RECORD_ENV) == "1":
        steps = [
            {"step": number, "request": step.request(), "response": answer(clients, step)}
            for number, step in enumerate(SCENARIO, start=1)
        ]
        _write_recording(steps)
        pytest.skip(f"{RECORD_ENV}=1: recorded {len(steps)} answers in {RECORDING}; review the diff")

    recorded = _load_recording()
    for number, step in enumerate(SCENARIO, start=1):
        if number > len(recorded):
            pytest.fail(f"Step {number} ({step.describe()}) is not in the recording: record it again")
        expected = recorded[number - 1]
        if expected["request"] != step.request():
            pytest.fail(
                f"Step {number} of SCENARIO is not the request recorded: record it again.\n"
                f"recorded: {expected['request']}\nscenario: {step.request()}"
            )
        got = answer(clients, step)
        if got != expected["response"]:
            pytest.fail(_mismatch(number, step, expected["response"], got), pytrace=False)
    assert len(recorded) == len(SCENARIO), f"the recording has {len(recorded) - len(SCENARIO)} steps more than SCENARIO"


def test_the_normalisation_touches_only_created_values():
    body = '{"created":1700000000,"message":"created","created": 42,"max_input_tokens":1700000000}'
    assert (
        normalise(body)
        == '{"created":<created>,"message":"created","created": <created>,"max_input_tokens":1700000000}'
    )
