"""What an engine worker runs next, and what it may commit: the fair queue between jobs, the
commit position with shards finished out of order, partitions that move away; and how a job's
shards are placed so that any member's block of partitions holds its share."""

from __future__ import annotations

from collections import Counter

import pytest

from jost.contracts import ShardRequested
from jost.platform.consumers.backlog import Backlog, Pending
from jost.platform.log import shard_partition


def _pending(job: str, index: int, rounds: int, partition: int, offset: int) -> Pending:
    return Pending(partition, offset, ShardRequested(job_id=job, shard_index=index, rounds=rounds))


def _drain(backlog: Backlog) -> list[tuple[str, int]]:
    order = []
    while (item := backlog.next()) is not None:
        assert item.request is not None
        order.append((item.request.job_id, item.request.shard_index))
        backlog.done(item)
    return order


def test_a_small_job_that_arrives_runs_next_not_after_the_big_job_queue():
    backlog = Backlog()
    for i in range(100):
        backlog.add(_pending("big", i, 1_000_000, partition=i % 4, offset=i))
    first = backlog.next()
    assert first is not None and first.request is not None and first.request.job_id == "big"
    backlog.add(_pending("small", 0, 1_000, partition=2, offset=100))
    second = backlog.next()
    assert second is not None and second.request == ShardRequested(
        job_id="small", shard_index=0, rounds=1_000
    )


def test_two_big_jobs_share_the_worker_by_rounds_and_the_later_does_not_starve_the_first():
    backlog = Backlog()
    for i in range(10):
        backlog.add(_pending("a", i, 2_000_000, partition=0, offset=i))
    assert backlog.next() is not None  # a's first shard runs: a is 2M rounds ahead
    for i in range(10):
        backlog.add(_pending("b", i, 1_000_000, partition=1, offset=i))
    order = [job for job, _ in _drain(backlog)]
    # b catches up on the 2M a already had, then every 2M of a goes with 2M of b.
    assert order[:2] == ["b", "b"]
    assert order[2:8] == ["a", "b", "b", "a", "b", "b"]
    assert Counter(order) == {"a": 9, "b": 10}


def test_commit_stops_at_the_first_unfinished_request_of_each_partition():
    backlog = Backlog()
    items = [_pending("j", i, 1_000, partition=i % 2, offset=10 + i // 2) for i in range(6)]
    for item in items:
        backlog.add(item)
    assert backlog.committable() == {0: 10, 1: 10}
    backlog.done(items[2])  # partition 0, offset 11: finished out of order
    backlog.done(items[1])  # partition 1, offset 10
    assert backlog.committable() == {0: 10, 1: 11}
    backlog.done(items[0])
    assert backlog.committable() == {0: 12, 1: 11}
    for item in items:
        backlog.done(item)
    assert backlog.committable() == {0: 13, 1: 13}


def test_a_revoked_partition_leaves_nothing_queued_or_committable():
    backlog = Backlog()
    for i in range(6):
        backlog.add(_pending("j", i, 1_000, partition=i % 3, offset=i))
    backlog.drop({1})
    assert sorted(index for _, index in _drain(backlog)) == [0, 2, 3, 5]
    assert set(backlog.committable()) == {0, 2}
    assert backlog.committable({1}) == {}


def test_a_request_whose_result_did_not_reach_the_log_runs_again():
    backlog = Backlog()
    item = _pending("j", 0, 1_000, partition=0, offset=0)
    backlog.add(item)
    assert backlog.next() == item
    backlog.retry(item)
    assert backlog.next() == item
    assert backlog.committable() == {0: 0}


@pytest.mark.parametrize("members", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize("shards", [10, 40, 64, 1_000])
def test_every_members_block_of_partitions_gets_its_share_of_a_jobs_shards(members, shards):
    """A range assignment gives each member a contiguous block of the 64 partitions: each
    block must hold about its share of any job's shards, from wherever the job starts."""
    blocks = [range(m * 64 // members, (m + 1) * 64 // members) for m in range(members)]
    for job in ("a", "b", "c", "3f2a"):
        counts = Counter(
            next(m for m, block in enumerate(blocks) if p in block)
            for p in (
                shard_partition(ShardRequested(job_id=job, shard_index=i, rounds=1), 64)
                for i in range(shards)
            )
        )
        fair = shards / members
        # Exact (within one) when the members divide the 64 partitions; otherwise a block is
        # a partition larger or smaller than its share, and holds that partition's shards.
        slack = 1 if 64 % members == 0 else shards / 64 + 2
        assert all(abs(counts[m] - fair) <= slack for m in range(members)), (job, counts)


def test_a_jobs_shards_run_by_index_whatever_order_the_fetch_gave_them():
    """A fetch hands a member's requests over partition by partition; run in that order, the
    work left sat in its last partitions, and the member that took them when another left
    got most of it. By index, what is left after any number of shards is spread over every
    block of the member's partitions."""
    partitions, shards = 64, 160
    placed = [(i, shard_partition(ShardRequested(job_id="j", shard_index=i, rounds=1), partitions))
              for i in range(shards)]  # fmt: skip
    mine = sorted((p, i) for i, p in placed if p < 22)  # the first of three members' blocks
    backlog = Backlog()
    for offset, (partition, index) in enumerate(mine):  # as fetched: partition by partition
        backlog.add(_pending("j", index, 1, partition, offset))
    ran = _drain(backlog)
    assert [i for _, i in ran] == sorted(i for _, i in mine)
    left = [p for p, i in mine if i not in {i for _, i in ran[: len(ran) // 3]}]
    # Two thirds left, split where the member's block would be split between two members:
    # each half holds about half of it.
    low = sum(p < 11 for p in left)
    assert abs(low - len(left) / 2) <= 2, (low, len(left))
