"""Finding 3: a model group's PATCH and DELETE read the row before taking the lock. 60 rounds of parallel PATCH,
rename and DELETE on PostgreSQL gave 89 500s (DoesNotExist), 120 204s for 60 deletes (each bumping the version
and writing a record), and a DELETE by the old name removed the renamed group, the record naming the wrong group.

Now a write locks, then reads the row it changes by the name the request gave: whoever comes second finds it
renamed or gone and answers 404, and exactly the successful writes are versions and records.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from fallbacks import selectors, services
from fallbacks.models import ChangeRecord, ModelGroup

ROUNDS = 15


def test_parallel_patch_rename_and_delete_of_one_group(served):
    for round_number in range(ROUNDS):
        name, renamed = f"group-{round_number}", f"group-{round_number}-renamed"
        services.group_create(actor="tests", name=name)
        start_version = selectors.config_version()
        requests = [
            ("PATCH", name, {"description": f"first {round_number}"}),
            ("PATCH", name, {"description": f"second {round_number}"}),
            ("PATCH", name, {"name": renamed}),
            ("DELETE", name, None),
            ("DELETE", name, None),
            ("DELETE", renamed, None),
        ]
        barrier = threading.Barrier(len(requests))

        def send(request, barrier=barrier):
            method, target, body = request
            barrier.wait()
            return served.call(method, f"/model_groups/{target}", body)

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            answers = list(pool.map(send, requests))

        statuses = [answer.status for answer in answers]
        assert all(status in (200, 204, 404) for status in statuses), (round_number, statuses, answers)
        deleted = [request for request, answer in zip(requests, answers, strict=True) if answer.status == 204]
        assert len(deleted) <= 1, statuses
        rename_landed = answers[2].status == 200
        if rename_landed:
            # The group was `renamed` from then on: a DELETE by the old name found nothing to delete.
            assert [target for _, target, _ in deleted] in ([], [renamed]), statuses
        survivors = set(ModelGroup.objects.filter(name__in=[name, renamed]).values_list("name", flat=True))
        assert survivors == (set() if deleted else {renamed if rename_landed else name})

        successful = sum(answer.status in (200, 204) for answer in answers)
        assert selectors.config_version() == start_version + successful, statuses
        records = ChangeRecord.objects.filter(version__gt=start_version)
        assert records.count() == successful
        for _, target, _ in deleted:
            assert list(records.filter(action="group_delete").values_list("subject", flat=True)) == [target]
        for answer in answers:
            if answer.status == 200:
                assert answer.json()["name"] in (name, renamed)
