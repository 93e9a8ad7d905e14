"""LocalStack plugins that make the emulator run without Docker and behave like AWS.

`dynamodb_moto` serves DynamoDB from moto, `lambda_executor` (with
`lambda_process`, the worker process it owns) and `lambda_worker` run
functions as local processes, and `fidelity` and
`speedups` patch LocalStack where it differs from AWS or is too slow for a
burst. Registered in infra/pyproject.toml and loaded only by LocalStack's
interpreter (`.venv-emulator`). See docs/architecture.md, "The emulator".
"""
