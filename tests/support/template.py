"""Read template.yaml the way the tests need it: resources, env vars, ASL substitutions.

The integration suite builds its moto resources from the real template, so a
renamed function, table key or substitution breaks the tests instead of
drifting silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ASL = ROOT / "statemachine" / "listing_pipeline.asl.json"
REPROCESS_ASL = ROOT / "statemachine" / "reprocess.asl.json"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)


@dataclass
class Resolver:
    """Resolves the few intrinsics the template uses, against moto-side values."""

    params: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)  # the template's Conditions

    def condition(self, name: str) -> bool:
        return bool(self(self.conditions[name]))

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Fn::If":
                name, when_true, when_false = arg
                return self(when_true if self.condition(name) else when_false)
            if fn == "Fn::Equals":
                return self(arg[0]) == self(arg[1])
            if fn == "Fn::Not":
                return not self(arg[0])
            if fn == "Fn::And":
                return all(self(a) for a in arg)
            if fn in ("Condition", "Fn::Condition"):
                return self.condition(arg)
            if fn == "Ref":
                return self.params[arg] if arg in self.params else self.refs[arg]
            if fn == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1)), arg)
            if fn == "Fn::GetAtt":
                logical, attr = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.attrs[(logical, attr)]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value

    def _sub(self, name: str) -> str:
        if name in self.params:
            return self.params[name]
        if name == "AWS::AccountId":
            return "123456789012"
        if name == "AWS::Region":
            return "us-east-1"
        if "." in name:
            logical, attr = name.split(".", 1)
            return self.attrs[(logical, attr)]
        return self.refs[name]


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def substitute_definition(substitutions: dict[str, str], asl: Path = ASL) -> str:
    """What Step Functions does with DefinitionSubstitutions: plain ${Name} replacement."""
    text = asl.read_text()
    missing = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", text)) - set(substitutions)
    if missing:
        raise KeyError(f"ASL placeholders without substitution: {sorted(missing)}")
    for name, value in substitutions.items():
        text = text.replace("${" + name + "}", str(value))
    json.loads(text)  # the substituted definition must be valid JSON
    return text
