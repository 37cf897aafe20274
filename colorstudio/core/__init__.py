"""Qt-free core: pure functions over numpy arrays and torch tensors.

Nothing in here may import Qt or the trainer (checked by import-linter contracts).
"""
