"""Routing that learns from reviewers: feedback records, confidence bounds,
calibrated approval probabilities, versioned routing configs.

Pure: no AWS calls here. Storage goes through the ports in `service.py`
(implemented by `lightbox.adapters.learning`); the `Calibrate` Lambda and
`lightbox calibrate` both run `service.run_calibration`. How it learns, and
when it refuses to move, is in docs/limits-and-rules.md, "Learning".
"""
