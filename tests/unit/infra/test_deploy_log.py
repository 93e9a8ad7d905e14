"""The deploy log: every line of a sam command stamped with its seconds, and a failed
command's tail in the error."""

from __future__ import annotations

import re
import sys

import pytest

from lightbox_infra import deploy


def test_given_a_command_when_run_then_each_output_line_is_stamped_with_its_seconds(tmp_path):
    log = tmp_path / "deploy.log"
    script = "import sys; print('packaging', flush=True); print('stack', file=sys.stderr)"

    deploy._run([sys.executable, "-c", script], {}, log)

    lines = log.read_text().splitlines()
    assert lines[1].startswith("$ ")
    assert [re.sub(r"^\[\s*\d+\.\d+s\] ", "", line) for line in lines[2:]] == [
        "packaging",
        "stack",
    ]
    assert all(re.match(r"^\[\s*\d+\.\d+s\] ", line) for line in lines[2:])


def test_given_a_failing_command_when_run_then_the_error_carries_its_exit_and_output(tmp_path):
    log = tmp_path / "deploy.log"
    script = "print('Error: the change set failed'); raise SystemExit(3)"

    with pytest.raises(deploy.DeployError, match=r"exit 3(.|\n)*the change set failed"):
        deploy._run([sys.executable, "-c", script], {}, log)
