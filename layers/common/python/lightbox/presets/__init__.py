"""Category presets: one JSON file per category beside this module.

`get_preset(category)` is what the pipeline uses; `load_presets(directory)`
validates a whole directory (every category present, every file valid) and is
what tests and tools call to check edited files.
"""

from lightbox.presets.catalogue import PRESET_DIR, PresetError, catalogue, get_preset, load_presets

__all__ = ["PRESET_DIR", "PresetError", "catalogue", "get_preset", "load_presets"]
