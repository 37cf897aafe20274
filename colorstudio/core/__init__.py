"""Qt-free core: pure functions + small classes over numpy arrays and torch tensors.

Nothing in here may import Qt, the model families (``colorstudio.models``, which sits
above the core) or the trainer -- checked by pyproject's import-linter contracts.
"""
