"""An S3-compatible store for the files people sent (FILES_STORE=s3): the company's own
object storage (MinIO, Ceph, a Russian cloud's S3), through boto3 in a worker thread.
boto3 is an optional extra: `pip install -e ".[s3]"`. Credentials come the way boto3 reads
them (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or its config files), never from our
settings, so they are not logged with them."""

from __future__ import annotations

import asyncio
from typing import Any

from storage.files import content_key


class S3FileStore:
    """Objects under `prefix` in `bucket`, keyed by checksum like the folder store."""

    def __init__(self, client: Any, *, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/")

    @classmethod
    def connect(cls, *, bucket: str, endpoint_url: str | None, prefix: str = "") -> S3FileStore:
        # An optional dependency without type hints: only a bot configured for S3 needs it.
        import boto3  # type: ignore[import-untyped,import-not-found,unused-ignore]

        client = boto3.client("s3", endpoint_url=endpoint_url)
        return cls(client, bucket=bucket, prefix=prefix)

    def _object(self, key: str) -> str:
        return f"{self._prefix}/{key}" if self._prefix else key

    async def put(self, data: bytes, *, sha256: str) -> str:
        key = content_key(sha256)
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self._bucket,
            Key=self._object(key),
            Body=data,
            Metadata={"sha256": sha256},
        )
        return key

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, self._object(key))

    async def delete(self, key: str) -> None:
        # S3 answers a delete of a missing key with success: a second run is no error.
        await asyncio.to_thread(
            self._client.delete_object, Bucket=self._bucket, Key=self._object(key)
        )

    def _get(self, name: str) -> bytes | None:
        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=name)
        except self._client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body
