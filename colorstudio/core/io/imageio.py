"""Read and write still images: every common format, 8/16 bit, alpha, EXIF orientation.

Reading combines two libraries: Pillow parses the header (format, size, EXIF
orientation) without decoding pixels, so over-sized images (decompression bombs)
are refused before any memory is spent; OpenCV then decodes the pixels (fast, keeps
16 bit, releases the GIL so batches can decode in threads).  Pillow decodes what
OpenCV cannot (e.g. GIF) and explains why a damaged file fails.

Arrays are always in RGB order:

* gray ``(H, W)``, RGB ``(H, W, 3)``, RGBA ``(H, W, 4)``; gray + alpha becomes RGBA
  (the gray value copied into R, G and B) -- OpenCV's own convention;
* dtype ``uint8`` or ``uint16`` (16-bit PNG/TIFF stay 16 bit), ``float32`` for float TIFF;
* palette images are expanded (to RGBA when the palette has transparency).

Writing is atomic (temporary file, then rename) and never replaces a protected path
(the inputs of a batch).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

from colorstudio.core import environment
from colorstudio.core import color
from colorstudio.core.io import png
from colorstudio.core.io.atomic import atomic_write
from colorstudio.core.errors import UserError
from colorstudio.core.messages import one_line
from colorstudio.core.io.image_headers import (HEADER_BYTES, MAX_JPEG_SCANS, MAX_PAGES,  # noqa: F401
                                              ODD_JPEG_SCANS, PNG_SIGNATURE, _sniff, header_size, jpeg_scans,
                                              jpeg_stall, max_file_bytes, png_without_text, tiff_pages, tiff_size)
from colorstudio.core.io.image_meta import ORIENT, ImageMeta, exif_orientation, pillow_headers
# The format table's names, where callers have always found them (the table: core.io.formats).
from colorstudio.core.io.formats import (IMAGE_EXTENSIONS, IMAGE_FORMATS, WRITE_FORMATS,  # noqa: F401
                                      is_image_file, natural_key)

DEFAULT_MAX_PIXELS: int | None = environment.max_pixels(200_000_000)
"""Largest image (width x height) read by default; env ``COLORSTUDIO_MAX_PIXELS`` (0 = no limit)."""


class ImageReadError(UserError, ValueError):
    """An image could not be read; the message is one line for the user."""


class ImageWriteError(UserError, OSError):
    """An image could not be written; the message is one line for the user."""


def _in_range(arr: np.ndarray, name: str, notes: list[str] | None) -> np.ndarray:
    """uint8, uint16 or float32 in 0-1, whatever the file stored: float pixels must be finite;
    floats stored in 0-255 or 0-65535 are scaled so, 32-bit integers to 8 or 16 bits when they
    fit, else by their maximum (an int32 TIFF cast to float was an all-white result); a note
    says so."""
    if arr.dtype in (np.uint8, np.uint16):
        return arr
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ImageReadError(f"{name}: the image holds NaN or infinite pixel values")
    hi = float(arr.max()) if arr.size else 0.0
    lo = float(arr.min()) if arr.size else 0.0
    if arr.dtype.kind in "iu":
        if lo >= 0 and hi <= 255:
            return arr.astype(np.uint8)
        if lo >= 0 and hi <= 65535:
            return arr.astype(np.uint16)
        scale = max(hi, 1.0)   # beyond 16 bits no scale is standard: the image's own range
        out = (np.clip(arr, 0, None) / scale).astype(np.float32)
        if notes is not None:
            notes.append(f"{Path(name).name}: {arr.dtype} pixels read as fractions of their maximum {scale:.0f}")
        return out
    arr = arr.astype(np.float32, copy=False)
    if hi > 1.0 + 1e-3:
        scale = 255.0 if hi <= 255.0 else 65535.0 if hi <= 65535.0 else hi
        if notes is not None:
            notes.append(f"{Path(name).name}: floating-point pixels up to {hi:g} read as a 0-{scale:g} scale")
        arr = arr / np.float32(scale)
    return arr


class _Unidentified(ImageReadError):
    """Pillow does not know the format (OpenCV may still decode it)."""


def _open_header(data: bytes, name: str):
    """Pillow image object with only the header parsed (pixels untouched)."""
    from PIL import UnidentifiedImageError

    with pillow_headers() as Image:   # our own limit applies, from the header; warnings are ours
        try:
            try:
                return Image.open(io.BytesIO(data))
            except ValueError as exc:
                if "TEXT_CHUNK" not in str(exc) or not data.startswith(PNG_SIGNATURE):
                    raise
                # Pillow refuses a text chunk that inflates past its limit (a zip-bomb guard);
                # the text is metadata, not pixels: the image is read without it.
                pil = Image.open(io.BytesIO(png_without_text(data)))
                pil.info["colorstudio: text dropped"] = True   # OpenCV too gets the pixels without it (no libpng lines)
                return pil
        except UnidentifiedImageError:
            kind = _sniff(data)
            if kind:
                raise _Unidentified(f"{name}: damaged or truncated {kind} file") from None
            raise _Unidentified(f"{name}: not an image file (or an unsupported format)") from None
        except Exception as exc:  # noqa: BLE001 -- plugins raise many types on bad headers
            kind = _sniff(data)
            what = f"damaged or truncated {kind} file" if kind else "unreadable image header"
            raise ImageReadError(f"{name}: {what} ({one_line(exc)})") from None


def _from_opencv(arr: np.ndarray) -> np.ndarray:
    """OpenCV's BGR(A) -> RGB(A) in place, a strip of rows at a time: cvtColor copies its
    source whole when asked to work in place, and that second copy was the read's peak."""
    if arr.ndim == 3 and arr.shape[2] == 1:
        return arr[:, :, 0]
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2RGB if arr.shape[2] == 3 else cv2.COLOR_BGRA2RGBA
        if not (arr.flags.c_contiguous and arr.flags.writeable):
            return cv2.cvtColor(arr, code)
        step = max(1, (8 << 20) // max(1, arr[0].nbytes))
        for r0 in range(0, arr.shape[0], step):
            part = arr[r0:r0 + step]
            cv2.cvtColor(part, code, dst=part)
    return arr


def _from_pillow(pil) -> np.ndarray:
    """Decode with Pillow (the slow path), normalising modes to our conventions."""
    mode = pil.mode
    if mode == "P":
        pil = pil.convert("RGBA" if "transparency" in pil.info else "RGB")
    elif mode in ("1", "L"):
        pil = pil.convert("L")
    elif mode in ("LA", "La", "PA", "RGBa"):
        pil = pil.convert("RGBA")
    elif mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        return np.asarray(pil).astype(np.uint16)
    elif mode == "I":
        return np.clip(np.asarray(pil), 0, 65535).astype(np.uint16)
    elif mode == "F":
        return np.asarray(pil, dtype=np.float32)
    elif mode not in ("RGB", "RGBA"):
        pil = pil.convert("RGB")
    return np.asarray(pil)


def regular_file(path: Path, what: str = "image") -> os.stat_result:
    """``os.stat`` of ``path`` when it is a regular file; else a one-line ImageReadError
    (a pipe or device would block or never end, a folder is not a file)."""
    import errno
    import stat

    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ImageReadError(f"{path}: symbolic link loop") from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise ImageReadError(f"{path}: file not found" + (" (broken symbolic link)" if path.is_symlink()
                                                              else "")) from None
        raise ImageReadError(f"{path}: cannot read ({exc.strerror or one_line(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageReadError(f"{path}: is a folder, not an {what} file")
    if not stat.S_ISREG(st.st_mode):
        raise ImageReadError(f"{path}: not a regular file (a pipe, device or socket), not an {what} file")
    return st


def preload_readers() -> None:
    """Import the decoders now (PIL and its format plugins): an app calls this in a worker
    before the first photo, so that import does not hold the GIL while a photo opens."""
    from PIL import Image

    Image.init()


def read_image(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS,
               notes: list[str] | None = None) -> np.ndarray:
    """Read an image as an RGB-order array (see the module doc for shapes and dtypes).

    Raises :class:`ImageReadError` with a one-line reason for a missing path, a folder,
    a pipe or device, an empty, truncated or non-image file, and an image over
    ``max_pixels``.  Memory is bounded before it is spent: the header is read and its
    size checked first, and no file larger than any image within ``max_pixels`` could
    be is read (``None`` = no limit).  ``notes`` collects what the user should know,
    e.g. that only the first frame of an animated GIF or multi-page TIFF was read.
    """
    path = Path(path)
    st = regular_file(path)
    limit = max_file_bytes(max_pixels)
    if limit is not None and st.st_size > limit:
        raise ImageReadError(f"{path}: {st.st_size / 1e9:.1f} GB is larger than any image within the limit "
                             f"of {max_pixels / 1e6:.0f} megapixels (set COLORSTUDIO_MAX_PIXELS to allow more)")
    try:
        f = open(path, "rb")
        with f:
            head = f.read(HEADER_BYTES)
            _check_header_size(head, str(path), max_pixels)
            f.seek(0)   # one read of the whole file, not head + rest: that concatenation holds the GIL
            data = f.read() if limit is None else f.read(limit + 1)
            if limit is not None and len(data) > limit:  # the file grew while we read it
                raise ImageReadError(f"{path}: the file is larger than any image within the pixel limit")
            same = f"/proc/self/fd/{f.fileno()}"   # the very file open here (Linux), for OpenCV
            return decode_image(data, name=str(path), max_pixels=max_pixels, notes=notes,
                                source=same if os.path.exists(same) else None)
    except OSError as exc:
        raise ImageReadError(f"{path}: cannot read ({exc.strerror or one_line(exc)})") from None


def _check_header_size(head: bytes, name: str, max_pixels: int | None) -> None:
    """Refuse an over-sized image from the first bytes alone, when they hold its size."""
    if max_pixels is None or len(head) < 16:
        return
    try:
        size = _open_header(head, name).size
    except ImageReadError:   # Pillow cannot parse it: what the header claims, if it says
        size = header_size(head)
        if size is None:
            return  # the header is not all in ``head`` (or is bad): the full decode reports
    _check_size(name, *size, max_pixels)


def _check_size(name: str, w: int, h: int, max_pixels: int | None) -> None:
    if max_pixels is not None and w * h > max_pixels:
        raise ImageReadError(
            f"{name}: {w}x{h} is {w * h / 1e6:.0f} megapixels, over the limit of "
            f"{max_pixels / 1e6:.0f} (set COLORSTUDIO_MAX_PIXELS to allow more)")


def _opencv(data: bytes, source: str | None) -> np.ndarray | None:
    """OpenCV's decode of ``data`` (IMREAD_UNCHANGED).  With ``source``, a path to these very
    bytes, imread fills an array numpy allocates: imdecode's answer is a C++ image copied once
    more into numpy, a second full-size copy at the read's peak (callers check the size)."""
    try:   # OpenCV raises past its own pixel limit (a caller that set none of ours)
        arr = cv2.imread(source, None, cv2.IMREAD_UNCHANGED) if source else None
        if arr is None or arr.size == 0:
            arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    return arr


def _png_damage(data: bytes) -> str | None:
    """Why a PNG is damaged -- a chunk whose checksum does not match -- before any decoder
    (libpng would print its own lines); None when sound, or no chunk list to speak of."""
    bad = png.damaged_chunk(data)
    ok = bad is not None and bad.isascii() and bad.isalpha()
    return f"damaged PNG file (the checksum of its {bad} data does not match)" if ok else None


def decode_image(data: bytes, name: str = "image", max_pixels: int | None = DEFAULT_MAX_PIXELS,
                 notes: list[str] | None = None, source: str | None = None) -> np.ndarray:
    """:func:`read_image` for bytes already in memory (``name`` is used in messages); ``source``:
    a path holding these very bytes (read_image's open file), which OpenCV reads to spare a copy."""
    if not data:
        raise ImageReadError(f"{name}: the file is empty")
    try:
        pil = _open_header(data, name)
    except _Unidentified as exc:
        # Formats Pillow cannot parse (a float RGB TIFF): OpenCV alone -- after the size is read
        # from the header and admitted, never decoded first and measured after.  Not a PNG:
        # Pillow parses every sound one, libpng would only print its own lines.
        kind = _sniff(data)
        if kind and max_pixels is not None:
            size = header_size(data)
            if size is None:
                raise ImageReadError(f"{name}: a {kind} whose size cannot be read from its header"
                                     if kind == "TIFF" else str(exc)) from None
            _check_size(name, *size, max_pixels)
        arr = _opencv(data, source if kind == "TIFF" else None) if kind not in (None, "PNG") else None
        if arr is None:
            damage = _png_damage(data) if kind == "PNG" else None   # a damaged text chunk stops Pillow
            raise ImageReadError(f"{name}: {damage}" if damage else str(exc)) from None
        _check_size(name, arr.shape[1], arr.shape[0], max_pixels)
        arr = _from_opencv(arr)
        return _in_range(arr, name, notes)
    w, h = pil.size
    _check_size(name, w, h, max_pixels)
    scans = jpeg_scans(data) if pil.format == "JPEG" else 0
    if scans and (stall := jpeg_stall(data, w, h, scans)):   # the decoder's time is bounded too
        raise ImageReadError(f"{name}: {stall}")
    frames = tiff_pages(data) if pil.format == "TIFF" else int(getattr(pil, "n_frames", 1) or 1)
    if frames > 1 and notes is not None:
        kind = "pages" if pil.format == "TIFF" else "frames"
        many = f"more than {MAX_PAGES}" if frames > MAX_PAGES else str(frames)
        notes.append(f"{Path(name).name} has {many} {kind}: only the first was colorized")
    orient = exif_orientation(pil)
    if pil.format == "PNG" and (damage := _png_damage(data)):
        raise ImageReadError(f"{name}: {damage}")
    arr = None
    # OpenCV would decode GIFs without their palette transparency, and its libjpeg prints its
    # own warnings on a JPEG of an odd progression (Pillow's is quiet).
    if pil.format != "GIF" and scans <= ODD_JPEG_SCANS:
        dropped = pil.info.get("colorstudio: text dropped")
        # from a file OpenCV reads PNG and TIFF as from memory; a JPEG cut short would pass
        whole = source if pil.format in ("PNG", "TIFF") and not dropped else None
        arr = _opencv(png_without_text(data) if dropped else data, whole)
    if arr is None or arr.shape[:2] != (h, w):
        try:
            pil.load()
            arr = _from_pillow(pil)
        except Exception as exc:  # noqa: BLE001
            msg = one_line(exc)
            if "truncated" in msg or "broken data stream" in msg:
                raise ImageReadError(f"{name}: truncated {pil.format} file ({msg})") from None
            raise ImageReadError(f"{name}: damaged {pil.format} file ({msg})") from None
    else:
        arr = _from_opencv(arr)
        if pil.format == "TIFF":
            orient = 1   # OpenCV's TIFF decoder turns the pixels itself, even IMREAD_UNCHANGED
    arr = _in_range(arr, name, notes)
    if orient != 1:
        arr = np.ascontiguousarray(ORIENT[orient](arr))
    return arr


# ---------------------------------------------------------------------------- writing

def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _prepare(img: np.ndarray, fmt: str) -> np.ndarray:
    """Our array -> gray or RGB(A) in a depth ``fmt`` stores (8 bit, or 16 bit for PNG/TIFF)."""
    img = np.asarray(img)
    if img.dtype == np.bool_:
        img = img.astype(np.uint8) * 255
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 3 and img.shape[2] == 2:  # gray + alpha -> RGBA
        img = np.dstack([img[:, :, 0]] * 3 + [img[:, :, 1]])
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        raise ImageWriteError(f"cannot write an array of shape {img.shape} as an image")
    if img.size == 0:
        raise ImageWriteError("cannot write an empty image")
    if img.dtype.kind == "f":
        if fmt == "tiff":
            img = img.astype(np.float32, copy=False)
        else:
            img = color.from_float01(img, np.uint16 if fmt == "png" else np.uint8)
    elif img.dtype not in (np.uint8, np.uint16):
        raise ImageWriteError(f"cannot write pixels of type {img.dtype}")
    if img.dtype == np.uint16 and fmt not in ("png", "tiff"):
        img = color.from_float01(color.to_float01(img), np.uint8)
    if fmt == "jpeg" and img.ndim == 3 and img.shape[2] == 4:
        # JPEG has no alpha: composite over white, as viewers show transparency.
        rgb = color.to_float01(img[:, :, :3])
        a = color.to_float01(img[:, :, 3])[:, :, None]
        img = color.from_float01(rgb * a + (1.0 - a), np.uint8)
    return img


def _to_writable(img: np.ndarray, fmt: str) -> np.ndarray:
    """Our RGB(A) array -> what OpenCV writes for ``fmt`` (BGR(A), a supported depth)."""
    img = _prepare(img, fmt)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR if img.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
    return img


def encode_image(img: np.ndarray, ext: str, *, quality: int = 95, meta: ImageMeta | None = None) -> bytes:
    """Encode an RGB-order array as the format of suffix ``ext`` ('.png', '.jpg', ...),
    with ``meta`` (the input's DPI, EXIF, ICC profile) where the format holds it."""
    ext = ext.lower() if ext.startswith(".") else "." + ext.lower()
    fmt = WRITE_FORMATS.get(ext)
    if fmt is None:
        raise ImageWriteError(
            f"unsupported output format {ext!r}; use one of {', '.join(sorted(WRITE_FORMATS))}")
    if fmt == "png":
        return png.encode_png(_prepare(img, fmt), chunks=meta.png_chunks() if meta else ())
    if meta:
        pixels = _prepare(img, fmt)
        if pixels.dtype == np.uint8:
            return _pillow_encode(pixels, fmt, quality, meta)
    params: list[int] = []
    if fmt == "jpeg":
        params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    elif fmt == "webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, int(quality)]
    elif fmt == "tiff" and meta and meta.dpi:   # 16-bit or float TIFF: OpenCV keeps the DPI
        params = [cv2.IMWRITE_TIFF_RESUNIT, 2, cv2.IMWRITE_TIFF_XDPI, round(meta.dpi[0]),
                  cv2.IMWRITE_TIFF_YDPI, round(meta.dpi[1])]
    ok, buf = cv2.imencode(ext, _to_writable(img, fmt), params)
    if not ok:
        raise ImageWriteError(f"OpenCV could not encode the image as {fmt}")
    return buf.tobytes()


def _pillow_encode(pixels: np.ndarray, fmt: str, quality: int, meta: ImageMeta) -> bytes:
    """8-bit pixels through Pillow, which writes EXIF, ICC and DPI into JPEG, WebP, TIFF, BMP."""
    from PIL import Image

    mode = {2: "L"}.get(pixels.ndim) or {3: "RGB", 4: "RGBA"}[pixels.shape[2]]
    buf = io.BytesIO()
    extra = {"quality": int(quality)} if fmt in ("jpeg", "webp") else {}
    if fmt == "tiff":
        extra["compression"] = "tiff_lzw"
    Image.fromarray(np.ascontiguousarray(pixels), mode).save(buf, format=fmt.upper(), **extra,
                                                             **meta.pillow_args(fmt))
    return buf.getvalue()


def refuse_inputs(path: str | os.PathLike, protect: Iterable[str | os.PathLike]) -> None:
    """An :class:`ImageWriteError` when ``path`` is one of ``protect`` (a batch's inputs): every
    writer of an output checks this first, so an output never replaces an original."""
    for p in protect:
        if _same_file(Path(path), Path(p)):
            raise ImageWriteError(f"{path}: refusing to overwrite an input image")


def write_image(path: str | os.PathLike, img: np.ndarray, *, quality: int = 95,
                protect: Iterable[str | os.PathLike] = (), meta: ImageMeta | None = None) -> Path:
    """Write ``img`` (RGB order) in the format of ``path``'s suffix, atomically, with
    ``meta`` (``core.io.image_meta``: the input's DPI, EXIF, ICC) where the format holds it.

    16 bit is kept in PNG and TIFF; JPEG, BMP and WebP get 8 bit.  Refuses (with
    :class:`ImageWriteError`) to replace any path in ``protect`` -- a batch passes its
    inputs, so an output can never overwrite an original.
    """
    path = Path(path)
    refuse_inputs(path, protect)
    if WRITE_FORMATS.get(path.suffix.lower()) == "png":
        # Streamed: the compressed segments go to the file as they finish.
        pixels = _prepare(img, "png")

        def _write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                png.write_png(f, pixels, chunks=meta.png_chunks() if meta else ())
    else:
        data = encode_image(img, path.suffix, quality=quality, meta=meta)

        def _write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                f.write(data)

    try:
        return atomic_write(path, _write)
    except OSError as exc:
        err = ImageWriteError(f"cannot write {path}: {exc.strerror or one_line(exc)}")
        err.errno = exc.errno   # the batch stops on errors that will fail every later write
        raise err from None
