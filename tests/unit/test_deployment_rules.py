"""One rule per field, whatever the door: here the rule itself, without a database.

The doors that apply it: tests/admin/, tests/services/test_deployment_rules.py and tests/api/test_model_groups.py.
"""

import pytest

from fallbacks import domain, errors, validation
from fallbacks.errors import DomainError

LIMIT = domain.MAX_INPUT_TOKENS_LIMIT


# --- max_input_tokens: null, or 1 to 2**31 - 1 ------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, LIMIT + 1, 10**12, True, 8192.5, "8192"])
def test_the_rule(value):
    with pytest.raises(DomainError) as refused:
        validation.clean_max_input_tokens(value)
    assert refused.value.message == errors.MAX_INPUT_TOKENS_RANGE


@pytest.mark.parametrize("value", [None, 1, 8192, LIMIT])
def test_the_rule_keeps_good_values(value):
    assert validation.clean_max_input_tokens(value) == value
