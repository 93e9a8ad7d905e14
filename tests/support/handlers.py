"""Run the real handler modules in-process with a Lambda-like context."""

from __future__ import annotations

import importlib.util
import sys
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from support.template import ROOT


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from a real Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = ""
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "test"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


_MODULES: dict[str, ModuleType] = {}


def load_handler_module(code_dir: str) -> ModuleType:
    """Import functions/<stage>/app.py under a unique name (every stage has an app.py)."""
    if code_dir not in _MODULES:
        path = ROOT / code_dir / "app.py"
        name = f"lightbox_fn_{Path(code_dir).name}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _MODULES[code_dir] = module
    return _MODULES[code_dir]


def invoke(code_dir: str, function_name: str, event: Any) -> tuple[Any, bool]:
    """(result, errored) — errors shaped like Lambda's so Step Functions sees errorType."""
    module = load_handler_module(code_dir)
    context = FakeLambdaContext(function_name=function_name, aws_request_id=str(uuid.uuid4()))
    try:
        return module.handler(event, context), False
    except Exception as exc:
        return {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc),
        }, True
