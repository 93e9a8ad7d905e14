"""An emulator stack deployed before explicit log groups still updates: the runtime's go."""

from __future__ import annotations

from typing import Any

from lightbox_infra.deploy import adopt_function_log_groups


class _Error(Exception):
    pass


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self.pages


class _Cfn:
    class exceptions:
        ClientError = _Error

    def __init__(self, owned: list[str] | None) -> None:
        self.owned = owned

    def get_paginator(self, name: str) -> Any:
        assert name == "list_stack_resources"
        if self.owned is None:
            raise _Error("Stack with id lightbox-local does not exist")
        summaries = [
            {"ResourceType": "AWS::Logs::LogGroup", "PhysicalResourceId": g} for g in self.owned
        ]
        return _Pages([{"StackResourceSummaries": summaries}])


class _Logs:
    def __init__(self, groups: list[str]) -> None:
        self.groups = set(groups)

    def get_paginator(self, name: str) -> Any:
        assert name == "describe_log_groups"
        return _Pages([{"logGroups": [{"logGroupName": g} for g in sorted(self.groups)]}])

    def delete_log_group(self, logGroupName: str) -> None:
        self.groups.remove(logGroupName)


RUNTIME_MADE = [
    "/aws/lambda/lightbox-local-intake",
    "/aws/lambda/lightbox-local-score",
    "/aws/lambda/lightbox-local-2-intake",  # another environment's
    "/aws/lambda/lightbox-local-scratch",  # not a function of the template
]


def test_given_a_stack_without_its_groups_when_deployed_then_the_runtimes_groups_go() -> None:
    """Given an emulator stack that owns no log group and groups the runtime made
    When the deploy adopts them
    Then this environment's function groups are deleted (the stack creates its own);
    another environment's and unknown groups stay."""
    logs = _Logs(RUNTIME_MADE)
    deleted = adopt_function_log_groups(_Cfn(owned=[]), logs, "local")
    assert deleted == ["/aws/lambda/lightbox-local-intake", "/aws/lambda/lightbox-local-score"]
    assert logs.groups == {
        "/aws/lambda/lightbox-local-2-intake",
        "/aws/lambda/lightbox-local-scratch",
    }


def test_given_a_stack_that_owns_its_groups_when_deployed_again_then_nothing_is_deleted() -> None:
    """Given a stack that already owns its function groups (or no stack yet, no groups)
    Then the deploy deletes nothing."""
    owned = RUNTIME_MADE[:2]
    logs = _Logs(RUNTIME_MADE)
    assert adopt_function_log_groups(_Cfn(owned=owned), logs, "local") == []
    assert adopt_function_log_groups(_Cfn(owned=None), _Logs([]), "local") == []
