"""Training data, the package's one public face (``from trainer import data as tdata``):
colour photos -> (L, ab) pairs (``photos``), photos -> (damaged scan L, damage mask) and
(scan with holes + mask, the scan undamaged) pairs (``scans``), pix2pix AB-aligned pairs
(``pairs``); the photos on disk and the held-out split (``files``), crops and flips
(``crops``), each task's sets from a run's settings (``sets``).

Two ways to feed the loop, same samples either way:
* ``cache=True``: every photo is decoded once into memory as Lab (float16, native size;
  the damage set keeps uint8 RGB); on a CPU this is what keeps the cores busy with the
  network, not with JPEG decoding.
* ``cache=False``: each sample is decoded in DataLoader workers.

Every sample is drawn from ``(index, seed)``: its augmentation (random crop, rotation by
0/90/180/270, horizontal/vertical flips) comes from a generator seeded with ``seed``, so a
resumed run replays exactly the batches it would have seen.

Held-out split (when no validation folder is given): ``core.photo_groups``' rule -- in each
class folder, sorted by name, every ``n``-th file starting with the first (index % n == 0).
"""

from trainer.data.crops import augment
from trainer.data.files import (DataError, channel_difference, is_grayscale, list_images, read_or_next, read_rgb,
                                split_files, spread)
from trainer.data.pairs import PairDataset, split_pair
from trainer.data.photos import LoadReport, PhotoDataset, lab_to_pair
from trainer.data.scans import DamageDataset, InpaintDataset
from trainer.data.sets import damage_datasets, inpaint_datasets, pair_datasets, photo_datasets

__all__ = ["DataError", "DamageDataset", "InpaintDataset", "LoadReport", "PairDataset", "PhotoDataset", "augment",
           "channel_difference", "damage_datasets", "inpaint_datasets", "is_grayscale", "lab_to_pair", "list_images",
           "pair_datasets", "photo_datasets", "read_or_next", "read_rgb", "split_files", "split_pair", "spread"]
