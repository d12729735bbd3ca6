"""Failed authentications are counted per address and second, and forgotten once they leave the window."""

from fallbacks import selectors, services


def test_each_failure_counts_once_in_its_second_and_old_seconds_are_forgotten(db):
    assert [services.authentication_failure_record("192.0.2.1", 1000, forget_up_to=940) for _ in range(3)] == [1, 2, 3]
    assert services.authentication_failure_record("192.0.2.2", 1000, forget_up_to=940) == 1
    assert services.authentication_failure_record("192.0.2.1", 1030, forget_up_to=970) == 1

    assert selectors.authentication_failures("192.0.2.1", after=970) == [(1000, 3), (1030, 1)]
    assert selectors.authentication_failures("192.0.2.1", after=1000) == [(1030, 1)]

    # The first failure of a later second forgets every address's seconds that no longer count.
    services.authentication_failure_record("192.0.2.3", 1061, forget_up_to=1001)
    assert selectors.authentication_failures("192.0.2.1", after=0) == [(1030, 1)]
    assert selectors.authentication_failures("192.0.2.2", after=0) == []
