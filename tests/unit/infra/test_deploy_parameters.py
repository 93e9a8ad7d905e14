import pytest

from lightbox_infra.deploy import LOCAL_PARAMETERS, DeployError, check_parameters


@pytest.mark.parametrize("timeout", ["0", "9", "ten", ""])
def test_given_a_review_timer_the_template_refuses_when_checked_then_refused_before_deploying(
    timeout,
):
    with pytest.raises(DeployError, match="ReviewTimeoutSeconds"):
        check_parameters({**LOCAL_PARAMETERS, "ReviewTimeoutSeconds": timeout})


def test_given_the_removed_heartbeat_parameter_when_checked_then_refused_naming_it():
    with pytest.raises(DeployError, match="ReviewHeartbeatSeconds is gone"):
        check_parameters({**LOCAL_PARAMETERS, "ReviewHeartbeatSeconds": "300"})


def test_given_local_defaults_when_checked_then_accepted():
    check_parameters(LOCAL_PARAMETERS)
