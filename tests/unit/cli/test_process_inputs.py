import json
from pathlib import Path

import pytest

from lightbox_cli.contact_sheet import render_contact_sheet
from lightbox_cli.process import Item, ProcessError, collect_inputs, write_report
from support.names import SELLER_FILE_NAMES


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_given_seller_sku_folders_when_collected_then_keys_follow_the_upload_contract(tmp_path):
    _touch(tmp_path / "acme" / "MUG-1" / "front.jpg")
    _touch(tmp_path / "acme" / "MUG-1" / "product.json", b"{}")
    _touch(tmp_path / "acme" / "MUG 2!" / "side view.png")

    pairs = collect_inputs([tmp_path], seller=None)

    assert [key for _, key in pairs] == [
        "incoming/acme/MUG 2!/side view.png",
        "incoming/acme/MUG-1/front.jpg",
    ]


@pytest.mark.parametrize(
    "name",
    SELLER_FILE_NAMES,
)
def test_given_sellers_own_file_names_when_collected_then_uploaded_under_those_names(
    tmp_path, name
):
    photo = _touch(tmp_path / "Händler" / "Größe 42" / name)
    assert collect_inputs([photo], seller=None) == [(photo, f"incoming/Händler/Größe 42/{name}")]


def test_given_name_with_control_or_backslash_when_collected_then_only_those_replaced(tmp_path):
    photo = _touch(tmp_path / "acme" / "SKU" / "a\tb\x07c\\dé.jpg")
    assert collect_inputs([photo], seller=None) == [(photo, "incoming/acme/SKU/a-b-c-dé.jpg")]


def test_given_assets_folder_when_collected_then_assets_are_supporting_files_not_photos(tmp_path):
    from lightbox_cli.process import supporting_files

    photo = _touch(tmp_path / "acme" / "TEE-1" / "front.jpg")
    _touch(tmp_path / "acme" / "TEE-1" / "product.json", b"{}")
    _touch(tmp_path / "acme" / "TEE-1" / "assets" / "inner back.jpg")

    pairs = collect_inputs([tmp_path], seller=None)
    extras = supporting_files(photo.parent, "incoming/acme/TEE-1")

    assert [key for _, key in pairs] == ["incoming/acme/TEE-1/front.jpg"]
    assert [key for _, key in extras] == [
        "incoming/acme/TEE-1/product.json",
        "incoming/acme/TEE-1/assets/inner back.jpg",
    ]


def test_given_explicit_seller_when_collected_then_it_overrides_folder_names(tmp_path):
    photo = _touch(tmp_path / "x" / "SKU9" / "a.jpg")
    assert collect_inputs([photo], seller="shop7") == [(photo, "incoming/shop7/SKU9/a.jpg")]


def test_given_missing_path_when_collected_then_clear_error(tmp_path):
    with pytest.raises(ProcessError, match="no such file"):
        collect_inputs([tmp_path / "nope"], seller=None)


def test_given_only_metadata_when_collected_then_no_photos_error(tmp_path):
    _touch(tmp_path / "a" / "b" / "product.json", b"{}")
    with pytest.raises(ProcessError, match="no photos"):
        collect_inputs([tmp_path], seller=None)


def test_given_items_when_report_written_then_design_shape(tmp_path):
    item = Item(
        input="a.jpg",
        key="incoming/s/k/a.jpg",
        status="published",
        execution_arn="arn:x",
        outputs={"amazon": "out/a.jpg"},
        scores={"confidence": 0.9},
    )
    path = write_report([item], tmp_path)
    (entry,) = json.loads(path.read_text())["items"]
    assert set(entry) == {"input", "key", "status", "reason", "scores", "outputs", "execution_arn"}


def test_given_unreadable_input_when_contact_sheet_rendered_then_placeholder_and_escaped_text(
    tmp_path,
):
    bad = _touch(tmp_path / "bad.jpg", b"<script>not an image</script>")
    html = render_contact_sheet(
        [
            {
                "input": str(bad),
                "key": "incoming/s/k/<b>.jpg",
                "status": "quarantined",
                "reason": "<not an image>",
                "scores": {},
                "outputs": {},
            }
        ],
        "t",
    )
    assert "&lt;not an image&gt;" in html and "<b>.jpg" not in html
    assert html.count("data:image/png;base64,") == 2


def test_given_an_unchanged_repeat_when_followed_then_the_first_runs_result_is_reported():
    from lightbox_cli.process import _apply_terminal, _first_result

    first = {"status": "published", "reason": "auto-publish", "outputs": {"amazon": "p/a.jpg"}}

    class Sfn:
        def describe_execution(self, executionArn):
            assert executionArn == "arn:x:run-1"
            return {"status": "SUCCEEDED", "output": json.dumps(first)}

    repeat = {
        "status": "SUCCEEDED",
        "output": json.dumps({"status": "unchanged", "outputs": {"unchanged_of": "run-1"}}),
    }
    item = Item(input="a.jpg", key="incoming/a/b/a.jpg")

    _apply_terminal(item, _first_result(Sfn(), "arn:x", repeat))

    assert item.status == "published" and item.remote_outputs == {"amazon": "p/a.jpg"}
    assert item.reason == "unchanged since run run-1: auto-publish"
