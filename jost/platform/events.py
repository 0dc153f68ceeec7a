"""Building and (de)coding the facts of ``jost.events``.

Event ids are uuid5 of the job id, the kind and the shard, so the same fact emitted twice (a
redelivered message, a shard run again after a worker died) has the same id and every reader
can drop the copy.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec

from jost.contracts import Event, ShardRequested

_NAMESPACE = uuid.UUID("4d1c2f0e-7a53-5b8e-9c61-0b6a1f3e2d40")

_event_decoder = msgspec.json.Decoder(Event)
_shard_decoder = msgspec.json.Decoder(ShardRequested)
_encoder = msgspec.json.Encoder()


def event_id(job_id: str, kind: str, shard_index: int | None = None) -> str:
    name = f"{job_id}/{kind}" if shard_index is None else f"{job_id}/{kind}/{shard_index}"
    return str(uuid.uuid5(_NAMESPACE, name))


def job_id_for_key(owner: str, idempotency_key: str) -> str:
    """The same owner and key always name the same job."""
    return str(uuid.uuid5(_NAMESPACE, f"idempotency/{owner}/{idempotency_key}"))


def new_job_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


def encode(message: msgspec.Struct) -> bytes:
    return _encoder.encode(message)


def decode_event(data: bytes) -> Event:
    return _event_decoder.decode(data)


def decode_shard_request(data: bytes) -> ShardRequested:
    return _shard_decoder.decode(data)
