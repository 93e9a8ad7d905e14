"""The `lightbox` operator CLI (entry point `main.main`).

It starts and stops the embedded emulator, deploys stacks, uploads photos and
follows their runs (`process`), reprocesses a catalogue (`reprocess`), shows
executions and decides reviews; `context` says which stack a command talks to,
and `samples` and `contact_sheet` make the demo's inputs and report. Runs in
the operator venv (`.venv`), never in Lambda.
"""
