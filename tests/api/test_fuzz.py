"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

The schema is the one `/api/schema` serves, made by the same generator in this process when the module
is imported (serving it checks the client's failed authentications in the database, which no test can
reach at import; `test_the_served_schema_is_the_one_fuzzed` shows the two are equal), and
every operation in it is called in-process (no server) with generated input, valid and invalid,
on a database seeded with model groups and chains. Whatever the input, every response must be:
- no 5xx, and JSON (`application/json` that parses; a 204 has no body), never an HTML page;
- a status code the schema documents for the operation, with a body matching the schema for it
  (and the content type and headers it documents), and invalid input refused with a 4xx;
- for a successful write, the `X-Config-Version` header (README: every write response has it).

Generation is seeded and bounded (MAX_EXAMPLES per operation and phase), so that CI runs the
same examples every time in a few seconds; `FUZZ_EXAMPLES=1000 FUZZ_SEED=7` digs deeper.
"""

import json
import os

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from project.wsgi import application

AUTH = {"Authorization": f"Bearer {settings.MASTER_KEY}"}
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("FUZZ_SEED", "20240521"))

# Names with the characters PRODUCT.md allows (`/`, `:`, `.`, `@`, `-`), so that paths with slashes are fuzzed too.
SEEDED_GROUPS = [
    "gpt-4o",
    "anthropic/claude-3-haiku",
    "openrouter/gpt-4",
    "bedrock/anthropic.claude-v2:1",
    "vertex@europe",
    "unused",
]
SEEDED_CHAINS = [
    ("gpt-4o", ["anthropic/claude-3-haiku", "openrouter/gpt-4"], "general"),
    ("openrouter/gpt-4", ["gpt-4o"], "general"),
    ("*", ["gpt-4o", "bedrock/anthropic.claude-v2:1"], "general"),
    ("bedrock/anthropic.claude-v2:1", ["anthropic/claude-3-haiku"], "context_window"),
    ("*", ["vertex@europe"], "content_policy"),
]
# A random string almost never names a model group. Where the API takes a model group's name,
# the generator uses one of these instead in most examples, so that the answers about data
# that exists (200s, 409s, chains with lint warnings) are fuzzed too, not only the 404s.
KNOWN_NAMES = [*SEEDED_GROUPS, "*"]
NAME_PARAMETERS = [
    "path.model",
    "path.name",
    "query.model",
    "body.model",
    "body.name",
    "body.fallback_models[*]",
]

config = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "headers": AUTH,
        "dictionaries": {"model_names": {"values": KNOWN_NAMES}},
        "parameters": {name: {"dictionary": "model_names", "probability": 0.75} for name in NAME_PARAMETERS},
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {
            # "Valid by the schema" is not "valid": the contract itself answers 400 to a chain that
            # names an unknown model or repeats a target, which no JSON schema can express.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
SCHEMA_PATH = "/api/schema?format=json"


def generated_schema() -> dict:
    """What SpectacularAPIView serves, made by its generator and rendered as it renders it."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(generated_schema(), config=config)
schema.app, schema.location = application, SCHEMA_PATH  # called in-process, as from_wsgi would


# The one answer that is a file rather than JSON: `GET /config` serves the export as YAML unless asked for JSON
# (PRODUCT.md 3.4). It must still be what it says it is, and parse.
FILE_ANSWERS = {("GET", "/config"): "application/yaml"}


def json_responses(ctx, response, case):
    """PRODUCT.md section 3: JSON in and out, whatever the input; never a 5xx, never an HTML page."""
    assert response.status_code < 500, f"server error {response.status_code}"
    if response.status_code == 204:
        assert not response.content, "a 204 has no body"
        return
    content_type = response.headers.get("content-type", [""])[0]
    file_type = FILE_ANSWERS.get((case.method.upper(), case.path))
    if response.status_code == 200 and file_type and content_type.split(";")[0].strip() == file_type:
        assert isinstance(yaml.safe_load(response.content), dict), "the config file does not parse"
        return
    assert content_type.split(";")[0].strip() == "application/json", f"not JSON: {content_type!r}"
    json.loads(response.content)


def writes_carry_config_version(ctx, response, case):
    """Every successful write tells which configuration version it produced."""
    if case.method.upper() in ("POST", "PATCH", "PUT", "DELETE") and 200 <= response.status_code < 300:
        versions = response.headers.get("x-config-version", [])
        assert len(versions) == 1, "a successful write without an X-Config-Version header"
        assert versions[0].isdigit(), f"X-Config-Version is not a version: {versions[0]!r}"


def test_the_served_schema_is_the_one_fuzzed(api):
    response = api.get(SCHEMA_PATH)
    assert response.status_code == 200
    assert json.loads(response.content) == generated_schema()


@pytest.fixture
def seeded(make_groups, set_chain):
    make_groups(*SEEDED_GROUPS)
    for source, targets, fallback_type in SEEDED_CHAINS:
        set_chain(source, targets, fallback_type)


@pytest.fixture
def keep_test_connection():
    """Keep the test's database connection open across requests, as Django's test client does.

    The app is called as a plain WSGI app, so Django's request signals run close_old_connections,
    which closes a connection that is inside a transaction (the test's) and breaks the test.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # with the seed above: the same examples on every run
    database=None,  # and no replay of failures saved by an earlier run, so CI and a laptop agree
    # `seeded` is function-scoped on purpose: every example is rolled back to it (see below).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api(case, seeded, keep_test_connection):
    # Every example starts from the same seeded data: its writes are rolled back to a savepoint
    # inside the test's transaction (pytest-django's `db`). Were they kept, an example's answer
    # would depend on the examples before it (a group deleted, a chain replaced, a version
    # bumped), so a failure would not replay alone and Hypothesis could not shrink it; and most
    # examples would soon run against an emptied database. Sequences of writes are the subject
    # of tests/api/ and tests/services/test_services.py.
    with transaction.atomic():
        case.call_and_validate(additional_checks=[json_responses, writes_carry_config_version])
        transaction.set_rollback(True)
