"""Reserved concurrency: how the template keeps a burst of uploads within bounds."""

from lightbox_infra.deploy import LOCAL_PARAMETERS
from support.template import load_template, resources_of_type

IMAGE_FUNCTIONS = {
    "ValidateFunction",
    "SegmentFunction",
    "AttributesFunction",
    "EnhanceFunction",
    "RenderFunction",
    "StudioExtrasFunction",
}


def _reserved(function: dict) -> dict:
    return function["Properties"]["ReservedConcurrentExecutions"]["Fn::If"]


def test_given_the_template_when_inspected_then_every_function_takes_its_group_concurrency():
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    assert set(functions) > IMAGE_FUNCTIONS
    for name, function in functions.items():
        condition, value, otherwise = _reserved(function)
        group = "ImageStageConcurrency" if name in IMAGE_FUNCTIONS else "TaskStageConcurrency"
        assert value == {"Ref": group}, name
        assert otherwise == {"Ref": "AWS::NoValue"}, name
        assert condition in load_template()["Conditions"], name


def test_given_aws_defaults_when_deployed_then_functions_stay_unreserved():
    # An account's concurrency pool is shared: reserving is the operator's choice there.
    parameters = load_template()["Parameters"]
    assert parameters["ImageStageConcurrency"]["Default"] == ""
    assert parameters["TaskStageConcurrency"]["Default"] == ""


def test_given_the_emulator_when_deployed_then_every_function_is_capped_small():
    for parameter in ("ImageStageConcurrency", "TaskStageConcurrency"):
        assert 1 <= int(LOCAL_PARAMETERS[parameter]) <= 2
