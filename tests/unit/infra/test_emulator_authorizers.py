from lightbox_infra.plugins.authorizers import authorizer_context, method_arn, policy_allows

ARN = method_arn("us-east-1", "000000000000", "abc123", "api", "GET", "/tasks/{task_id}")


def _policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _stmt(effect, resource, action="execute-api:Invoke"):
    return {"Effect": effect, "Action": action, "Resource": resource}


def test_given_an_allow_on_the_stage_when_evaluated_then_the_method_is_allowed():
    assert policy_allows(
        _policy(_stmt("Allow", "arn:aws:execute-api:us-east-1:000000000000:abc123/api/*")), ARN
    )


def test_given_a_deny_next_to_an_allow_when_evaluated_then_deny_wins():
    policy = _policy(_stmt("Allow", "*"), _stmt("Deny", [ARN]))
    assert not policy_allows(policy, ARN)


def test_given_an_allow_for_another_api_or_no_policy_when_evaluated_then_refused():
    assert not policy_allows(_policy(_stmt("Allow", "arn:aws:execute-api:*:*:other/*")), ARN)
    assert not policy_allows(None, ARN)
    assert not policy_allows(_policy(_stmt("Allow", "*", action="s3:GetObject")), ARN)


def test_given_an_authorizer_result_when_passed_on_then_context_values_are_strings():
    context = authorizer_context(
        {"principalId": "ana", "context": {"level": 1, "ok": True, "name": "ana", "bad": {"x": 1}}}
    )
    assert context == {"principalId": "ana", "level": "1", "ok": "true", "name": "ana"}
