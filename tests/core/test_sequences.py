"""Image sequences (issue 36, item 3): frame-number patterns (core.io.sequence), EXR / DPX / 16-bit
TIFF frames made by OpenImageIO (core.io.vfx), OpenColorIO colour spaces (core.color.spaces), the
recombination that keeps a frame's own values (core.color.scene), their output names
(core.batch.outputs) and a range of one through the batch (core.batch.shards)."""

from __future__ import annotations

import json

import numpy as np
import pytest

oiio = pytest.importorskip("OpenImageIO")
pytest.importorskip("PyOpenColorIO")

from colorstudio.core.batch import outputs, ranges, sequences, shards  # noqa: E402
from colorstudio.core.color import scene, spaces  # noqa: E402
from colorstudio.core.io import sequence, vfx  # noqa: E402
from sequence_files import H, KINDS, W, gray_frame, make_sequence, native  # noqa: E402


# --------------------------------------------------------------------------- patterns

@pytest.mark.parametrize("text, head, pad, tail", [
    ("shot.####.exr", "shot.", 4, ".exr"), ("shot.%04d.dpx", "shot.", 4, ".dpx"), ("shot.@@@@.tif", "shot.", 4, ".tif"),
    ("shot.@.png", "shot.", 1, ".png"), ("shot_%d_v2.exr", "shot_", 0, "_v2.exr"), ("#######.exr", "", 7, ".exr")])
def test_pattern_fields(text, head, pad, tail):
    p = sequence.parse(text)
    assert (p.head, p.pad, p.tail) == (head, pad, tail)
    assert p.suffix == "." + tail.rsplit(".", 1)[1]


def test_pattern_refuses_two_fields_or_none():
    for text in ("shot.####.####.exr", "shot.exr", "a%04d.%04d.exr"):
        with pytest.raises(sequence.SequenceError, match="one frame-number field"):
            sequence.parse(text)


def test_find_keeps_numbers_and_gaps_and_padding(tmp_path):
    for name in ("shot.1001.exr", "shot.1002.exr", "shot.1005.exr", "shot.10000.exr",   # 10000 outgrew ####
                 "shot.01001.exr",          # a leading zero #### does not explain: not a frame
                 "shot.1003.dpx", "other.1004.exr", ".shot.1006.exr", "shot.abcd.exr"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "shot.1007.exr").mkdir()   # a folder is no frame
    for spelling in ("shot.####.exr", "shot.%04d.exr", "shot.@@@@.exr"):
        seq = sequence.find(tmp_path / spelling)
        assert seq.numbers == (1001, 1002, 1005, 10000)
        assert seq.paths[0] == tmp_path / "shot.1001.exr" and seq.paths[-1] == tmp_path / "shot.10000.exr"
    assert sequence.find(tmp_path / "shot.####.exr").missing()[:3] == [1003, 1004, 1006]


def test_unpadded_fields_never_take_a_number_twice(tmp_path):
    for name in ("a.1.png", "a.12.png", "a.012.png"):
        (tmp_path / name).write_bytes(b"x")
    assert sequence.find(tmp_path / "a.@.png").numbers == (1, 12)
    assert sequence.find(tmp_path / "a.%d.png").numbers == (1, 12)


def test_a_file_named_like_a_pattern_is_a_file(tmp_path):
    (tmp_path / "photo@2x.png").write_bytes(b"x")
    assert not sequence.is_pattern(tmp_path / "photo@2x.png")
    assert sequence.is_pattern(tmp_path / "shot.####.exr")
    assert not sequence.is_pattern(tmp_path / "shot.exr")
    with pytest.raises(sequence.SequenceError, match="no file matches this pattern"):
        sequence.find(tmp_path / "shot.####.exr")


def test_resolve_frame_numbers_of_a_sequence():
    numbers = (1001, 1002, 1003, 1007, 1008)
    assert ranges.resolve_numbers(ranges.FrameSpan(1002, 1007), numbers) == range(1, 4)
    assert ranges.resolve_numbers(ranges.FrameSpan(1003), numbers) == range(2, 5)
    for span, match in ((ranges.FrameSpan(990, 1002), "outside the sequence: it has frames 1001-1008"),
                        (ranges.FrameSpan(1005, 1009), "outside the sequence"),
                        (ranges.FrameSpan(1004, 1006), "all missing from the sequence")):
        with pytest.raises(ranges.RangeError, match=match):
            ranges.resolve_numbers(span, numbers)


# ------------------------------------------------------------------------ frames on disk

@pytest.mark.parametrize("kind", sorted(KINDS))
def test_frames_round_trip_bit_for_bit(tmp_path, kind):
    src = make_sequence(tmp_path, kind, numbers=(7,))[0]
    frame = vfx.read_frame(src)
    assert frame.gray and frame.pixels.dtype == np.float32 and frame.pixels.shape == (H, W, 3)
    assert frame.depth == {"exr-half": "half", "exr-float": "float", "dpx-10": "10-bit", "tif-16": "16-bit"}[kind]
    assert (frame.codes is None) == (kind == "exr-float")
    dst = tmp_path / ("out" + src.suffix)
    vfx.write_frame(dst, frame.pixels, depth=vfx.output_depth(frame.fmt, frame.depth), colorspace="ACEScg",
                    transfer=frame.transfer, attributes=frame.attributes)
    a, b = native(src), native(dst)
    assert a.dtype == b.dtype and np.array_equal(a, b)
    back = vfx.read_frame(dst)
    assert np.array_equal(back.pixels, frame.pixels)
    if kind.startswith("exr"):
        assert frame.pixels.max() > 1.0 and frame.pixels.min() < 0.0, "scene values kept, not clipped"
        assert spaces.known(back.colorspace) == "ACEScg"
    if kind != "tif-16":   # the frame rate, by each format's own name
        rate = {a: v for a, _, v in back.attributes}
        assert rate.get("FramesPerSecond", rate.get("dpx:FrameRate")) in ((24000, 1000), 24.0)


def test_a_frame_is_never_written_over_an_input(tmp_path):
    src = make_sequence(tmp_path, "exr-half", numbers=(1,))[0]
    frame = vfx.read_frame(src)
    before = src.read_bytes()
    with pytest.raises(vfx.ImageWriteError, match="refusing to overwrite an input"):
        vfx.write_frame(src, frame.pixels * 0, depth="half", protect=[src])
    assert src.read_bytes() == before


# ------------------------------------------------------------------------ colour spaces

def test_colour_space_names():
    assert spaces.canonical("acescg") == "ACEScg" and spaces.canonical("lin_ap1_scene") == "ACEScg"
    assert spaces.canonical(spaces.DISPLAY) == "sRGB Encoded Rec.709 (sRGB)"
    with pytest.raises(spaces.ColorSpaceError, match=r"unknown colour space 'Kodak 5219'; valid names include "
                                                     r"'ACEScg', 'ACES2065-1'"):
        spaces.canonical("Kodak 5219")


def test_default_spaces_follow_the_file():
    assert spaces.default_space("exr") == "ACEScg"
    assert spaces.default_space("exr", declared="lin_rec709_scene") == "Linear Rec.709 (sRGB)"
    assert spaces.default_space("exr", declared="a name no config has") == "ACEScg"
    assert spaces.default_space("dpx", transfer="Printing density") == "ADX10"
    assert spaces.default_space("dpx", transfer="Linear") == "Linear Rec.709 (sRGB)"
    assert spaces.default_space("dpx", transfer="User defined") == spaces.canonical(spaces.DISPLAY)
    assert spaces.default_space("tif") == spaces.canonical(spaces.DISPLAY)
    for name in ("ADX10", "Linear Rec.709 (sRGB)", "Camera Rec.709"):   # a DPX says it; read back the same
        assert spaces.default_space("dpx", transfer=spaces.dpx_transfer(name)) == name


def test_linear_to_linear_is_a_matrix_and_tables_match_pixels():
    conv = spaces.conversion("Linear Rec.709 (sRGB)", "ACEScg")
    assert conv.matrix is not None
    x = np.random.default_rng(0).uniform(-0.1, 4.0, (5, 7, 3)).astype(np.float32)
    slow = x.copy()
    conv._cpu.applyRGB(slow)
    assert np.allclose(conv.apply(x), slow, rtol=1e-5, atol=1e-6)
    log = spaces.conversion("ADX10", spaces.DISPLAY)
    assert log.matrix is None
    codes = np.array([[100 * 64, 500 * 64], [900 * 64, 1023 * 64]], np.uint16)
    values = np.repeat((codes.astype(np.float32) / 65535)[:, :, None], 3, axis=2)
    assert np.allclose(np.take(log.gray_table("int"), codes, axis=0), log.apply(values), atol=1e-6)


# ------------------------------------------------------------------------ recombination

@pytest.mark.parametrize("space_in, space_out", [("ADX10", "ADX10"), ("ADX10", "ACEScg"), ("ACEScg", "ACEScg"),
                                                 ("srgb_tx", "srgb_tx"), ("ACEScg", "srgb_tx"),
                                                 ("ACEScg", "ACEScct")])
def test_no_colour_keeps_every_value_and_colour_keeps_the_lightness(space_in, space_out):
    fc = scene.FrameColour(space_in, space_out)
    g = gray_frame(3, 0.05, 0.9)
    u16 = (g * 65535 + 0.5).astype(np.uint16)
    pixels = np.repeat((u16.astype(np.float32) / np.float32(65535))[:, :, None], 3, axis=2)
    for codes in (u16, None):   # through the code tables, and pixel by pixel
        p = fc.prepare(pixels, codes, "int", gray=True)
        expected = pixels if space_in == space_out else fc.to_out.apply(pixels)
        assert np.allclose(p.base, expected, atol=2e-6)
        ab = np.zeros((12, 16, 2), np.float32)
        assert np.array_equal(fc.finish(p, ab), p.base), "no colour: the frame's own values, bit for bit"
        ab[:, 8:] = (25.0, -20.0)   # colour on the right half; the left half's upsampled ab stays 0
        out = fc.finish(p, ab)
        assert np.array_equal(out[:, :16], p.base[:, :16]), "where no colour is added, nothing changes"
        assert np.abs(out[:, 40:] - p.base[:, 40:]).max() > 1e-3, "colour added on the right"
        # The coloured pixels keep the frame's lightness (away from the gamut's limits).
        shown = fc.display(out)
        L_out = scene.lightness_of_y(np.clip(spaces.conversion(spaces.DISPLAY, spaces.LINEAR).apply(shown), 0, 1)
                                     @ scene.Y_WEIGHTS[0])
        inside = (p.L > 20) & (p.L < 80)   # where (L, 25, -20) is a colour sRGB can show
        inside[:, :40] = False
        assert inside.sum() > 100 and np.abs(L_out - p.L)[inside].max() < 0.6


def test_a_colour_frame_keeps_its_luminance_above_display_white():
    fc = scene.FrameColour("ACEScg", "ACEScg")
    rgb = np.full((4, 4, 3), 3.0, np.float32)
    rgb[..., 0] = 3.5   # a warm highlight, far above display white
    p = fc.prepare(rgb, gray=False)
    y_in = float((fc.to_lin.apply(rgb) @ scene.Y_WEIGHTS[0]).mean())
    out = fc.finish(p, np.zeros((2, 2, 2), np.float32))
    y_out = float((spaces.conversion("ACEScg", spaces.LINEAR).apply(out) @ scene.Y_WEIGHTS[0]).mean())
    assert y_out == pytest.approx(y_in, rel=1e-4) and np.ptp(out) < 1e-4, "luminance kept, chroma dropped"


# ------------------------------------------------------------------------ output names

def test_outputs_keep_the_numbers_and_never_land_on_the_inputs(tmp_path):
    make_sequence(tmp_path / "in", "exr-half", numbers=(1, 2, 10))
    seq = sequence.find(tmp_path / "in" / "shot.####.exr")
    items = outputs.plan_sequence(seq, tmp_path / "out", "dpx")
    assert [i.result.name for i in items] == ["shot.0001.dpx", "shot.0002.dpx", "shot.0010.dpx"]
    recorded = json.loads((tmp_path / "out" / outputs.MANIFEST).read_text())["items"]
    assert list(recorded.values()) == [{"sequence": "shot.####.dpx"}]
    beside = outputs.plan_sequence(seq, tmp_path / "in", "exr")   # into the inputs' folder, same format
    assert beside[0].result.name == "shot-2.0001.exr"
    assert outputs.plan_sequence(seq, tmp_path / "in", "exr")[0].result.name == "shot-2.0001.exr"   # kept


# ------------------------------------------------------------------------ through the batch

def _run(shot, out, predictor, frames=None, smooth=0.0, saturation=1.0):
    plan = shards.plan_range(shot, frames=frames, smooth=smooth)
    events = list(shards.colorize_range(shot, out, predictor, plan, smooth=smooth, saturation=saturation))
    assert all(e.status != "failed" for e in events), [e.error for e in events]
    return events


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_sequence_round_trip_is_exact_where_no_colour_is_added(tmp_path, kind, fake_predictor):
    """The issue's target: EXR half / float, DPX 10-bit, 16-bit TIFF -- the lightness of a gray
    frame comes back bit for bit, nothing clipped, gaps kept, each frame in its own precision."""
    paths = make_sequence(tmp_path / "in", kind)
    seq = sequence.find(tmp_path / "in" / ("shot.####" + KINDS[kind][0]))
    shot = shards.Shot(sequence=seq, colour=sequences.plan_colour(seq))
    _run(shot, tmp_path / "out", fake_predictor(ab=(0.0, 0.0)), smooth=0.7)
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert written == sorted(p.name for p in paths), "the same numbers, the gap kept"
    for p in paths:
        a, b = native(p), native(tmp_path / "out" / p.name)
        assert a.dtype == b.dtype and np.array_equal(a, b)
    # Colour added: written in the same precision, the lightness kept.
    _run(shot, tmp_path / "col", fake_predictor(ab=(20.0, -15.0)))
    fc = shot.colour.frame_colour()
    for p in paths:
        src, dst = vfx.read_frame(p), vfx.read_frame(tmp_path / "col" / p.name)
        assert dst.depth == src.depth and not dst.gray
        L_in = fc.prepare(src.pixels, gray=True).L
        L_out = fc.prepare(dst.pixels, gray=False).L
        inside = (L_in > 20) & (L_in < 80)   # where (L, 20, -15) is a colour sRGB can show
        assert inside.sum() > 30 and np.abs(L_out - L_in)[inside].max() < 0.6


def test_colour_spaces_and_formats_through_the_batch(tmp_path, fake_predictor):
    paths = make_sequence(tmp_path / "in", "exr-half", numbers=(1, 2))
    seq = sequence.find(tmp_path / "in" / "shot.####.exr")
    colour = sequences.plan_colour(seq, space_out="lin_rec709")
    assert (colour.space_in, colour.space_out, colour.fmt) == ("ACEScg", "Linear Rec.709 (sRGB)", "exr")
    _run(shards.Shot(sequence=seq, colour=colour), tmp_path / "lin", fake_predictor(ab=(0.0, 0.0)))
    conv = spaces.conversion("ACEScg", "lin_rec709")
    for p in paths:
        got = vfx.read_frame(tmp_path / "lin" / p.name)
        assert spaces.known(got.colorspace) == "Linear Rec.709 (sRGB)"
        want = conv.apply(vfx.read_frame(p).pixels).astype(np.float16).astype(np.float32)
        assert np.allclose(got.pixels, want, rtol=2e-3, atol=1e-4)
    png = sequences.plan_colour(seq, fmt="png")
    assert png.space_out == spaces.canonical(spaces.DISPLAY) and png.fmt == "png"
    _run(shards.Shot(sequence=seq, colour=png), tmp_path / "png", fake_predictor(ab=(0.0, 0.0)))
    shown = vfx.read_frame(tmp_path / "png" / "shot.0001.png")
    assert shown.depth == "16-bit"
    want = np.clip(spaces.conversion("ACEScg", spaces.DISPLAY).apply(vfx.read_frame(paths[0]).pixels), 0, 1)
    assert np.abs(shown.pixels - want).max() < 2e-3


def test_a_range_by_frame_numbers_then_the_rest_resumes(tmp_path, fake_predictor):
    make_sequence(tmp_path / "in", "dpx-10")
    seq = sequence.find(tmp_path / "in" / "shot.####.dpx")
    shot = shards.Shot(sequence=seq, colour=sequences.plan_colour(seq))
    plan = shards.plan_range(shot, frames=ranges.FrameSpan(1002, 1003), smooth=0.7)
    assert plan.frames == range(1, 3) and plan.overlap == range(0, 1)
    assert plan.describe(shot.name, shot.number) == ("shot.####.dpx: frames 1002-1003 (2 of 4) (after frame 1001, "
                                                     "computed for the smoothing and not written)")
    _run(shot, tmp_path / "out", fake_predictor(ab=(10.0, 5.0)), ranges.FrameSpan(1002, 1003), smooth=0.7)
    assert sorted(p.name for p in (tmp_path / "out").glob("shot.*")) == ["shot.1002.dpx", "shot.1003.dpx"]
    manifest = json.loads((tmp_path / "out" / ".colorstudio-frames-001002-001003.json").read_text())
    assert manifest["frames"] == [1002, 1003] and manifest["overlap"] == [1001, 1001] and manifest["complete"]
    events = _run(shot, tmp_path / "out", fake_predictor(ab=(10.0, 5.0)), smooth=0.7)   # primes from 1003
    assert [e.status for e in sorted(events, key=lambda e: e.index)] == ["done", "skipped", "skipped", "done"]
    assert sorted(p.name for p in (tmp_path / "out").glob("shot.*")) == [p.name for p in seq.paths]


def test_gap_warning_names_the_missing_numbers(tmp_path):
    make_sequence(tmp_path, "tif-16", numbers=(1, 2, 5, 6, 9))
    seq = sequence.find(tmp_path / "shot.####.tif")
    assert sequences.gap_warning(seq) == "shot.####.tif: 4 frames missing (3-4, 7-8); the others keep their numbers"
    make_sequence(tmp_path, "tif-16", numbers=(1, 2), pattern="full.{:04d}")
    assert sequences.gap_warning(sequence.find(tmp_path / "full.####.tif")) is None


def test_a_shot_files_keyframes_are_carried_over_a_sequence(tmp_path):
    make_sequence(tmp_path, "exr-half", numbers=(11, 12, 14))
    shot = shards.Shot(sequence=sequence.find(tmp_path / "shot.####.exr"))   # its colour: the defaults
    assert (shot.colour.space_in, shot.colour.fmt) == ("ACEScg", "exr")
    # A sequence's keyframes are its frame numbers: "12" (read as index 11) is its second frame.
    plan = shards.carried_hints(shot, {11: [(0.5, 0.5, (200, 40, 40))]})
    assert len(plan) == 3 and len(plan[1]) == 1 and all(len(p) <= 1 for p in plan)
    assert sequences.keyframes_by_number(shot.sequence, {10: ["a"], 13: ["b"]}) == {0: ["a"], 2: ["b"]}
    with pytest.raises(sequences.KeyframeError, match=r"keyframe 13 is not a frame of shot.####.exr "
                                                       r"\(frames 11-14, with gaps\)"):
        shards.carried_hints(shot, {0 + 12: [(0.5, 0.5, (200, 40, 40))]})
