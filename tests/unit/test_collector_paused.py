"""queries.collector_paused (the whole lint's reads): the cycle collector is off inside and on again after, also after
an error and around a pause inside another."""

import gc

import pytest

from fallbacks.queries import collector_paused


def test_the_collector_is_off_inside_and_on_again_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves it to the outer one
    assert gc.isenabled()


def test_an_error_inside_leaves_the_collector_on():
    with pytest.raises(ValueError, match="inside"), collector_paused():
        raise ValueError("inside")
    assert gc.isenabled()
