"""Failed API authentications, counted per client address and second (fallbacks.api.throttling).

The count changes no configuration and is not recorded as a version. It is one atomic statement
(INSERT ... ON CONFLICT DO UPDATE ... RETURNING, on SQLite and PostgreSQL alike), so failures that
arrive in parallel are all counted, which a read followed by a write would not do.
"""

from django.db import connection

from fallbacks.models import AuthenticationFailures


def authentication_failure_record(address: str, second: int, *, forget_up_to: int) -> int:
    """Count one failure of `address` at `second`; returns how many that second has now.

    The first failure of a second also deletes every address's seconds up to `forget_up_to`, which no
    longer count.
    """
    table = connection.ops.quote_name(AuthenticationFailures._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (address, second, failures) VALUES (%s, %s, 1) "
            f"ON CONFLICT (address, second) DO UPDATE SET failures = {table}.failures + 1 "
            "RETURNING failures",
            [address, second],
        )
        (failures,) = cursor.fetchone()
    if failures == 1:
        AuthenticationFailures.objects.filter(second__lte=forget_up_to).delete()
    return failures
