"""`lightbox process`'s uploader against moto's S3: parallel, resumable, SKU files first."""

from __future__ import annotations

import threading
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from lightbox_cli.context import StackContext
from lightbox_cli.process import collect_inputs, upload

BUCKET = "lightbox-test-uploads"


@pytest.fixture
def ctx(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        context = StackContext("test")
        context.__dict__["outputs"] = {"BucketName": BUCKET}
        yield context


def _photos(root: Path, count: int) -> list[Path]:
    folder = root / "acme" / "MUG-1"
    folder.mkdir(parents=True)
    (folder / "product.json").write_text('{"title": "Mug"}')
    paths = []
    for i in range(count):
        path = folder / f"photo-{i}.jpg"
        path.write_bytes(f"photo {i}".encode())
        paths.append(path)
    return paths


def _versions(key: str) -> int:
    listing = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix=key)
    return len([v for v in listing.get("Versions", []) if v["Key"] == key])


def test_given_many_photos_when_uploaded_then_all_arrive_with_progress_per_photo(ctx, tmp_path):
    _photos(tmp_path, 12)
    seen: list[str] = []
    lock = threading.Lock()

    def uploaded(item) -> None:
        with lock:
            seen.append(item.key)

    items = upload(ctx, collect_inputs([tmp_path], None), jobs=4, on_uploaded=uploaded)

    assert sorted(seen) == sorted(item.key for item in items)
    assert len(items) == 12 and all(item.uploaded for item in items)
    assert all(item.candidates for item in items)
    assert _versions("incoming/acme/MUG-1/product.json") == 1


def test_given_unchanged_photos_when_uploaded_again_then_nothing_is_sent_and_runs_are_found(
    ctx, tmp_path
):
    paths = _photos(tmp_path, 3)
    first = upload(ctx, collect_inputs([tmp_path], None))
    paths[0].write_bytes(b"a retouched photo")

    again = upload(ctx, collect_inputs([tmp_path], None))

    by_key = {item.key: item for item in again}
    changed = by_key["incoming/acme/MUG-1/photo-0.jpg"]
    unchanged = by_key["incoming/acme/MUG-1/photo-1.jpg"]
    assert changed.uploaded and _versions(changed.key) == 2
    assert not unchanged.uploaded and _versions(unchanged.key) == 1
    assert unchanged.candidates == next(i for i in first if i.key == unchanged.key).candidates
    assert _versions("incoming/acme/MUG-1/product.json") == 1


def test_given_changed_product_json_when_uploaded_again_then_its_photos_are_sent_again(
    ctx, tmp_path
):
    _photos(tmp_path, 2)
    upload(ctx, collect_inputs([tmp_path], None))
    (tmp_path / "acme" / "MUG-1" / "product.json").write_text('{"title": "Red mug"}')

    again = upload(ctx, collect_inputs([tmp_path], None))

    assert all(item.uploaded for item in again)
    assert _versions("incoming/acme/MUG-1/photo-1.jpg") == 2


def test_given_sellers_own_file_names_when_uploaded_then_keys_keep_them_and_names_match_intake(
    ctx, tmp_path
):
    from lightbox.keys import execution_name

    folder = tmp_path / "Händler" / "Größe 42"
    folder.mkdir(parents=True)
    (folder / "product.json").write_text('{"title": "Tasse"}')
    names = ["name with spaces & ünïcode.jpg", "Men's shoe.jpg", "#2.jpg", "赤いマグカップ.jpg"]
    for i, name in enumerate(names):
        (folder / name).write_bytes(f"photo {i}".encode())

    items = upload(ctx, collect_inputs([tmp_path], None), jobs=2)

    assert sorted(item.key for item in items) == sorted(
        f"incoming/Händler/Größe 42/{name}" for name in names
    )
    s3 = boto3.client("s3")
    for item in items:
        head = s3.head_object(Bucket=BUCKET, Key=item.key)
        # The name intake derives from the S3 event is among those the CLI follows.
        assert execution_name(BUCKET, item.key, head["VersionId"]) in item.candidates
    assert _versions("incoming/Händler/Größe 42/product.json") == 1
