"""The emulator's CloudFormation polls resources being created every 0.1 s."""

from __future__ import annotations

from lightbox_infra.plugins import cfn_polling


def _deploy_loop(self, provider, resource, payload, max_timeout=300, sleep_time=1):
    return max_timeout, sleep_time


def test_given_no_interval_from_the_caller_when_polling_then_the_short_one_is_used():
    polled = cfn_polling.with_poll_interval(_deploy_loop, 0.1)

    assert polled(object(), "provider", {}, {}) == (300, 0.1)
    assert polled(object(), "provider", {}, {}, 60) == (60, 0.1)


def test_given_an_interval_from_the_caller_when_polling_then_it_is_kept():
    polled = cfn_polling.with_poll_interval(_deploy_loop, 0.1)

    assert polled(object(), "provider", {}, {}, 60, 2) == (60, 2)
    assert polled(object(), "provider", {}, {}, sleep_time=3) == (300, 3)


def test_given_an_already_wrapped_loop_when_wrapped_again_then_it_is_returned_as_is():
    polled = cfn_polling.with_poll_interval(_deploy_loop, 0.1)

    assert cfn_polling.with_poll_interval(polled, 0.5) is polled
