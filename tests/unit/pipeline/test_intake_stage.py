from lightbox.pipeline.intake import start_for_upload
from support.fakes import RecordingExecutions


def test_given_photo_upload_when_intake_runs_then_execution_started_with_parsed_photo():
    executions = RecordingExecutions()
    result = start_for_upload(executions, "b", "incoming/acme/MUG-1/a.jpg", "v1", "e", 10)
    assert result.action == "started"
    photo = executions.started[result.execution_name]["photo"]
    assert (photo["seller"], photo["sku"], photo["filename"]) == ("acme", "MUG-1", "a.jpg")
    assert photo["key_error"] is None


def test_given_duplicate_event_when_intake_runs_again_then_reported_duplicate():
    executions = RecordingExecutions()
    start_for_upload(executions, "b", "incoming/acme/MUG-1/a.jpg", "v1", "e", 10)
    again = start_for_upload(executions, "b", "incoming/acme/MUG-1/a.jpg", "v1", "e", 10)
    assert again.action == "duplicate" and len(executions.started) == 1


def test_given_product_json_when_intake_runs_then_skipped_without_execution():
    executions = RecordingExecutions()
    result = start_for_upload(executions, "b", "incoming/acme/MUG-1/product.json", "v1", "e", 10)
    assert result.action == "skipped" and not executions.started


def test_given_unsafe_key_when_intake_runs_then_still_started_with_key_error_for_quarantine():
    executions = RecordingExecutions()
    result = start_for_upload(executions, "b", "incoming/acme/../x.jpg", "v1", "e", 10)
    photo = executions.started[result.execution_name]["photo"]
    assert photo["seller"] == "_invalid" and "'..'" in photo["key_error"]


def test_given_supporting_asset_when_intake_runs_then_skipped_without_execution():
    executions = RecordingExecutions()
    result = start_for_upload(executions, "b", "incoming/acme/TEE-1/assets/inner.jpg", "v", "e", 1)
    assert result.action == "skipped" and not executions.started
