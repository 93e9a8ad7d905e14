import pytest

from lightbox_infra.deploy import LOCAL_PARAMETERS, DeployError, check_parameters


def test_given_heartbeat_not_below_timeout_when_checked_then_refused_before_deploying():
    with pytest.raises(DeployError, match="must be shorter"):
        check_parameters({**LOCAL_PARAMETERS, "ReviewTimeoutSeconds": "600"})


def test_given_local_defaults_when_checked_then_accepted():
    check_parameters(LOCAL_PARAMETERS)
