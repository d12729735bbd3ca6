"""`manage.py lint_fallbacks`: findings printed, exit status for pipelines, JSON output."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fallbacks.lint import CYCLE, NO_DEPLOYMENTS
from fallbacks.models import Deployment, ModelGroup


def run(*args: str) -> str:
    out = StringIO()
    call_command("lint_fallbacks", *args, stdout=out)
    return out.getvalue()


def test_a_clean_configuration_prints_zero_counts(db):
    assert run() == "0 errors, 0 warnings, 0 infos\n"


def test_warnings_and_infos_are_printed_and_do_not_fail(make_groups, set_chain):
    make_groups("a", "b")
    set_chain("a", ["b"])
    set_chain("b", ["a"])
    output = run()
    assert output.splitlines()[0].startswith("INFO    a (general): The general chains form a cycle: a -> b -> a.")
    assert output.splitlines()[-1] == "0 errors, 0 warnings, 1 info"


@pytest.fixture
def with_an_error(make_groups, set_chain):
    make_groups("a", "b", "c")
    for name in ("a", "b"):
        Deployment.objects.create(model_group=ModelGroup.objects.get(name=name), litellm_params={"model": name})
    set_chain("a", ["c"])


def test_an_error_fails_the_command(with_an_error):
    out = StringIO()
    with pytest.raises(CommandError, match="1 fallback lint error") as raised:
        call_command("lint_fallbacks", stdout=out)
    # manage.py exits with a CommandError's returncode: what a deployment pipeline checks.
    assert raised.value.returncode == 1
    assert out.getvalue().startswith("ERROR   a (general): c has no deployments")


def test_json_output(with_an_error, set_chain):
    set_chain("c", ["a"])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("lint_fallbacks", "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["counts"] == {"error": 1, "warning": 0, "info": 1}
    assert [(item["code"], item["model"], item["fallback_type"]) for item in body["findings"]] == [
        (NO_DEPLOYMENTS, "a", "general"),
        (CYCLE, "a", "general"),
    ]


def test_model_filter(with_an_error, make_groups, set_chain):
    make_groups("d")
    Deployment.objects.create(model_group=ModelGroup.objects.get(name="d"), litellm_params={"model": "d"})
    set_chain("d", ["b"])
    assert run("--model", "d") == "0 errors, 0 warnings, 0 infos\n"


def test_lint_for_another_series_prints_what_a_switch_changes(make_groups, set_chain):
    make_groups("a", "b", "x", "y")
    set_chain("a", ["b"])
    set_chain("x", ["y"], "context_window")
    assert run() == "0 errors, 0 warnings, 0 infos\n"  # LiteLLM 1.110, the default
    output = run("--litellm-version", "1.109").splitlines()
    assert output[0].startswith("WARNING a (general): a has a general chain but no context_window chain")
    assert output[1].startswith("WARNING a (context_window): Switching the gateways from LiteLLM 1.110 to 1.109")
    assert output[-1] == "0 errors, 2 warnings, 0 infos"


def test_lint_refuses_an_unknown_series(db):
    with pytest.raises(CommandError, match=r"Must be one of: \['1.110', '1.109'\]"):
        run("--litellm-version", "1.108")
