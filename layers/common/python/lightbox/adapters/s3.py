"""S3 object access for the pipeline's bucket."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from lightbox.ports import ObjectInfo

if TYPE_CHECKING:  # the stubs are a development dependency, not in the layer
    from mypy_boto3_s3.type_defs import CopySourceTypeDef, GetObjectRequestTypeDef


class ObjectStore:
    """`lightbox.ports.Objects` on one bucket.

    Every write is server-side encrypted (the bucket policy insists).
    """

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._s3 = client or boto3.client("s3")

    def head(self, key: str) -> ObjectInfo | None:
        try:
            meta = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return ObjectInfo(
            size=int(meta["ContentLength"]),
            etag=meta.get("ETag", "").strip('"'),
            version_id=meta.get("VersionId"),
            content_type=meta.get("ContentType", ""),
        )

    def exists(self, key: str) -> bool:
        """Whether `key` exists. A role without s3:ListBucket (the review API's) gets 403,
        not 404, for a missing key: both mean "no object this caller can read"."""
        try:
            return self.head(key) is not None
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("403", "AccessDenied", "Forbidden"):
                return False
            raise

    def presign_get(self, key: str, version_id: str | None = None, expires: int = 300) -> str:
        """A short-lived GET link (the bucket stays private; whoever signs needs GetObject)."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    def get_bytes(self, key: str, version_id: str | None = None) -> bytes:
        kwargs: GetObjectRequestTypeDef = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        return self._s3.get_object(**kwargs)["Body"].read()

    def get_text_or_none(self, key: str) -> str | None:
        try:
            return self.get_bytes(key).decode("utf-8")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )

    def put_json(self, key: str, document: Any) -> None:
        body = json.dumps(document, indent=2, sort_keys=True, default=str).encode()
        self.put_bytes(key, body, "application/json")

    def copy(self, source_key: str, dest_key: str, version_id: str | None = None) -> None:
        source: CopySourceTypeDef = {"Bucket": self.bucket, "Key": source_key}
        if version_id:
            source["VersionId"] = version_id
        self._s3.copy_object(
            Bucket=self.bucket,
            Key=dest_key,
            CopySource=source,
            ServerSideEncryption="AES256",
            MetadataDirective="COPY",
        )
