"""The local runtime: the embedded emulator, deployment, and the LocalStack plugins.

`emulator` starts and stops LocalStack in host mode (with `emulator_setup`
for its environment and state folder, and `procfs` for what it reads from
/proc), `deploy` builds and deploys template.yaml with the SAM CLI (to the
emulator or AWS), `paths` says where local state lives, and `plugins` runs
inside LocalStack. The operator CLI
imports `emulator` and `deploy` (which uses `paths`). See docs/architecture.md,
"The emulator".
"""
