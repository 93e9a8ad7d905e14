"""deploy_local skips `sam build` when nothing it reads changed since it last ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from lightbox_infra import deploy


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "functions" / "intake").mkdir(parents=True)
    (tmp_path / "functions" / "intake" / "app.py").write_text("x = 1\n")
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    monkeypatch.setenv("LIGHTBOX_HOME", str(tmp_path))
    builds: list[str] = []

    def fake_build(env_vars: dict[str, str], log: Path) -> float:
        built = tmp_path / ".aws-sam" / "build" / "template.yaml"
        built.parent.mkdir(parents=True, exist_ok=True)
        built.write_text(f"built {len(builds)}\n")
        builds.append("built")
        return 0.0

    monkeypatch.setattr(deploy, "build", fake_build)
    return builds


def test_given_unchanged_sources_when_deployed_again_then_sam_build_is_skipped(checkout, tmp_path):
    log = tmp_path / "deploy.log"

    deploy.build_unless_current({}, log)
    deploy.build_unless_current({}, log)

    assert checkout == ["built"]
    assert "sam build skipped" in log.read_text()


def test_given_an_edited_function_when_deployed_again_then_sam_build_runs(checkout, tmp_path):
    deploy.build_unless_current({}, tmp_path / "deploy.log")
    (tmp_path / "functions" / "intake" / "app.py").write_text("x = 2\n")

    deploy.build_unless_current({}, tmp_path / "deploy.log")

    assert checkout == ["built", "built"]


def test_given_a_build_dir_changed_by_another_build_when_deployed_then_sam_build_runs(
    checkout, tmp_path
):
    deploy.build_unless_current({}, tmp_path / "deploy.log")
    (tmp_path / ".aws-sam" / "build" / "template.yaml").write_text("someone else's build\n")

    deploy.build_unless_current({}, tmp_path / "deploy.log")

    assert checkout == ["built", "built"]
