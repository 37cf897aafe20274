"""A training request as data: the settings every recipe has (:mod:`.settings`) and the
recipes of the model families with what each says to a user (:mod:`.recipes`).

Torch-free and Qt-free, imported in milliseconds: the trainer resolves and runs them
(``trainer.config``); the Train tab lists them in-process, with no trainer subprocess.
"""
