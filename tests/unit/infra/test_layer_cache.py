"""Layer zips made once per content, and the emulator's template pointed at them."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from lightbox_infra import layer_cache


def _layer(root: Path, files: dict[str, bytes]) -> Path:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return root


def test_given_the_same_files_when_digested_then_the_digest_is_the_same(tmp_path):
    files = {"python/a.py": b"a = 1\n", "python/pkg/b.so": b"\x00\x01"}
    one = _layer(tmp_path / "one", files)
    two = _layer(tmp_path / "two", dict(reversed(files.items())))
    os.utime(two / "python/a.py", (0, 0))  # timestamps do not matter

    assert layer_cache.tree_digest(one) == layer_cache.tree_digest(two)


def test_given_a_changed_byte_name_or_mode_when_digested_then_the_digest_changes(tmp_path):
    base = {"python/a.py": b"a = 1\n"}
    digest = layer_cache.tree_digest(_layer(tmp_path / "base", base))

    changed = layer_cache.tree_digest(_layer(tmp_path / "bytes", {"python/a.py": b"a = 2\n"}))
    renamed = layer_cache.tree_digest(_layer(tmp_path / "name", {"python/b.py": b"a = 1\n"}))
    executable = _layer(tmp_path / "mode", base)
    (executable / "python/a.py").chmod(0o755)

    assert len({digest, changed, renamed, layer_cache.tree_digest(executable)}) == 4


def test_given_a_layer_when_zipped_twice_then_it_is_zipped_once_and_reused(tmp_path, monkeypatch):
    layer = _layer(tmp_path / "layer", {"python/a.py": b"a = 1\n", "python/bin/tool": b"#!"})
    (layer / "python/bin/tool").chmod(0o755)
    cache = tmp_path / "cache"

    digest, zipped = layer_cache.cached_zip(layer, cache)
    with zipfile.ZipFile(zipped) as zf:
        names = zf.namelist()
        modes = {info.filename: info.external_attr >> 16 & 0o777 for info in zf.infolist()}
        assert zf.read("python/a.py") == b"a = 1\n"
    made = []
    monkeypatch.setattr(layer_cache, "write_zip", lambda *args: made.append(args))
    again = layer_cache.cached_zip(layer, cache)

    assert zipped == cache / f"{digest}.zip"
    assert names == ["python/a.py", "python/bin/tool"]
    assert modes == {"python/a.py": 0o644, "python/bin/tool": 0o755}
    assert again == (digest, zipped)
    assert made == []


def test_given_the_same_layer_when_zipped_into_two_caches_then_the_bytes_are_identical(tmp_path):
    layer = _layer(tmp_path / "layer", {"python/a.py": b"a = 1\n"})

    _, one = layer_cache.cached_zip(layer, tmp_path / "one")
    os.utime(layer / "python/a.py", (1, 1))
    _, two = layer_cache.cached_zip(layer, tmp_path / "two")

    assert one.read_bytes() == two.read_bytes()  # same zip, same CodeSha256


TEMPLATE = {
    "Resources": {
        "CommonLayer": {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {"ContentUri": "CommonLayer", "LayerName": "common"},
        },
        "UploadedLayer": {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {"ContentUri": "s3://bucket/already.zip"},
        },
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "Fn"}},
    }
}


def test_given_a_built_template_when_layers_are_listed_then_only_local_layer_dirs_count(tmp_path):
    (tmp_path / "CommonLayer").mkdir()
    (tmp_path / "Fn").mkdir()

    assert layer_cache.local_layers(TEMPLATE, tmp_path) == {"CommonLayer": tmp_path / "CommonLayer"}


def test_given_uploaded_zips_when_pointed_at_then_only_those_layers_change(tmp_path):
    key = layer_cache.object_key("CommonLayer", "abc")

    pointed = layer_cache.point_layers_at(TEMPLATE, "artifacts", {"CommonLayer": key})

    common = pointed["Resources"]["CommonLayer"]["Properties"]
    assert common == {
        "ContentUri": "s3://artifacts/layers/CommonLayer-abc.zip",
        "LayerName": "common",
    }
    assert pointed["Resources"]["Fn"] == TEMPLATE["Resources"]["Fn"]
    assert TEMPLATE["Resources"]["CommonLayer"]["Properties"]["ContentUri"] == "CommonLayer"


def test_given_more_zips_than_kept_when_pruned_then_the_least_recently_used_go(tmp_path):
    for age, name in enumerate(["new", "mid", "old"]):
        path = tmp_path / f"{name}.zip"
        path.write_bytes(b"z")
        os.utime(path, (1000 - age, 1000 - age))

    removed = layer_cache.prune(tmp_path, keep=2)

    assert removed == [tmp_path / "old.zip"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mid.zip", "new.zip"]


def _checkout(root: Path) -> Path:
    _layer(
        root,
        {
            "template.yaml": b"Resources: {}\n",
            "functions/intake/app.py": b"def handler(e, c): ...\n",
            "layers/common/python/lightbox/__init__.py": b"",
            "requirements/sam.txt": b"aws-sam-cli==1\n",
        },
    )
    return root


def test_given_bytecode_or_test_caches_when_digested_then_build_inputs_are_unchanged(tmp_path):
    root = _checkout(tmp_path)
    before = layer_cache.build_inputs_digest(root)
    _layer(root, {"layers/common/python/lightbox/__pycache__/x.pyc": b"\x00"})

    assert layer_cache.build_inputs_digest(root) == before


def test_given_a_source_edit_when_digested_then_build_inputs_change(tmp_path):
    root = _checkout(tmp_path)
    before = layer_cache.build_inputs_digest(root)

    (root / "functions/intake/app.py").write_text("def handler(e, c): return 1\n")

    assert layer_cache.build_inputs_digest(root) != before


def test_given_no_built_template_when_stamped_then_the_stamp_is_empty(tmp_path):
    built = tmp_path / "template.yaml"

    assert layer_cache.build_stamp("abc", built) == ""
    built.write_text("Resources: {}\n")
    assert layer_cache.build_stamp("abc", built).startswith("abc ")
