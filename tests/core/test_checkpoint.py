import os
import stat

import pytest
import torch

from colorstudio.core.io import checkpoint
from colorstudio.core.io.atomic import atomic_write
from colorstudio.core.io.checkpoint import CheckpointError
from colorstudio.models import create


def _model():
    return create("unet-gan", weights=False, base=8, depth=2)


def test_save_load_round_trip_with_metadata(tmp_path):
    m = _model()
    meta = {"family": "unet-gan", "config": {"base": 8, "depth": 2}, "metrics": {"psnr": 21.5}}
    p = checkpoint.save_weights(tmp_path / "m.safetensors", m.state_dict(), meta)
    assert checkpoint.read_metadata(p) == meta
    state, meta2 = checkpoint.load_weights(p)
    assert meta2 == meta
    for k, v in m.state_dict().items():
        assert torch.equal(state[k].to(v.dtype), v), k
    # no temporary files left behind; normal permissions, not mkstemp's 0600
    assert [q.name for q in tmp_path.iterdir()] == ["m.safetensors"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o666 & ~umask


def test_create_from_checkpoint_uses_stored_config(tmp_path):
    m = _model()
    p = checkpoint.save_weights(tmp_path / "m.safetensors", m.state_dict(),
                                {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    m2 = create("unet-gan", weights=p)
    assert m2.config == {"base": 8, "depth": 2}
    sd = m2.state_dict()
    assert all(torch.equal(sd[k], v) for k, v in m.state_dict().items())


def test_half_precision_loads_as_float32(tmp_path):
    m = _model()
    p = checkpoint.save_weights(tmp_path / "h.safetensors", m.state_dict(), {}, half=True)
    state, _ = checkpoint.load_weights(p)
    w = next(k for k in state if k.endswith("weight") and state[k].is_floating_point())
    assert state[w].dtype == torch.float32
    assert os.path.getsize(p) < 0.6 * sum(v.numel() * 4 for v in m.state_dict().values())


def test_wrong_family_refused(tmp_path):
    p = checkpoint.save_weights(tmp_path / "x.safetensors", _model().state_dict(),
                                {"family": "unet-hints", "config": {"base": 8, "depth": 2}})
    with pytest.raises(CheckpointError, match="unet-hints"):
        create("unet-gan", weights=p)


def test_mismatch_names_missing_and_unexpected_keys(tmp_path):
    m = _model()
    sd = dict(m.state_dict())
    gone = sorted(sd)[0]
    del sd[gone]
    sd["extra.layer.weight"] = torch.zeros(3)
    with pytest.raises(CheckpointError) as ei:
        checkpoint.load_into(m, sd, source="bad.safetensors")
    msg = str(ei.value)
    assert "missing keys" in msg and gone in msg
    assert "unexpected keys" in msg and "extra.layer.weight" in msg
    assert "bad.safetensors" in msg


def test_shape_mismatch_named():
    m = _model()
    sd = dict(m.state_dict())
    k = "head.weight"
    sd[k] = torch.zeros(3, *sd[k].shape[1:])
    with pytest.raises(CheckpointError, match="shape mismatch: head.weight"):
        checkpoint.load_into(m, sd)


def test_pickle_with_code_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    p = tmp_path / "evil.pt"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "x": Evil()}, p)
    with pytest.raises(CheckpointError, match="could run code") as err:
        checkpoint.load_weights(p)
    assert "weights_only=False" not in str(err.value)  # never advise the unsafe load


def test_plain_state_dict_pt_accepted(tmp_path):
    m = _model()
    p = tmp_path / "plain.pth"
    torch.save(m.state_dict(), p)
    state, meta = checkpoint.load_weights(p)
    assert meta == {} and set(state) == set(m.state_dict())


@pytest.mark.parametrize("content, match", [(b"", "empty"), (b"garbage" * 20, "not a readable")])
def test_empty_or_corrupt_file(tmp_path, content, match):
    p = tmp_path / "c.safetensors"
    p.write_bytes(content)
    with pytest.raises(CheckpointError, match=match):
        checkpoint.load_weights(p)


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        checkpoint.load_weights(tmp_path / "nope.safetensors")


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"old")

    def boom(tmp):
        with open(tmp, "wb") as f:
            f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(p, boom)
    assert p.read_bytes() == b"old"
    assert [q.name for q in tmp_path.iterdir()] == ["f.bin"]
