"""What a file's first bytes say, read without any decoder: its format by signature, the
size its header claims (every format we read), a JPEG's scans against the decoder's time, a
TIFF's number of pages, a PNG without its text chunks.  The admission check
(``core.io.imageio``) uses them before a decoder spends memory or time on a hostile file."""

from __future__ import annotations

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"BM", "BMP"), (b"GIF8", "GIF"))


def _sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    for sig, name in _SIGNATURES:
        if data.startswith(sig):
            return name
    return None


def tiff_size(data: bytes, max_entries: int = 4096) -> tuple[int, int] | None:
    """(width, height) of a TIFF's first image from its header (classic and BigTIFF), read
    without any decoder -- the admission check for TIFFs Pillow cannot parse, which OpenCV
    would otherwise decode whole before their size is known; None when not found."""
    import struct

    if len(data) < 16 or data[:2] not in (b"II", b"MM"):
        return None
    e = "<" if data[:2] == b"II" else ">"
    magic = struct.unpack_from(e + "H", data, 2)[0]
    big = magic == 43
    if magic not in (42, 43):
        return None
    try:
        off = struct.unpack_from(e + ("Q" if big else "I"), data, 8 if big else 4)[0]
        n = struct.unpack_from(e + ("Q" if big else "H"), data, off)[0]
        first, step = off + (8 if big else 2), (20 if big else 12)
        size: dict[int, int] = {}
        for i in range(min(int(n), max_entries)):
            p = first + i * step
            tag, typ = struct.unpack_from(e + "HH", data, p)
            if tag in (256, 257):
                at = p + (12 if big else 8)
                fmt = {3: "H", 4: "I", 16: "Q"}.get(typ)
                if fmt is None:
                    return None
                size[tag] = struct.unpack_from(e + fmt, data, at)[0]
                if len(size) == 2:
                    return size[256], size[257]
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's first frame header (SOFn), walking the marker
    segments up to the first scan; None when there is none."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:                       # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):  # standalone markers
            i += 2
            continue
        if marker == 0xDA:                       # a scan before any frame header
            return None
        n = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > len(data):
                return None
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + n
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    kind, body = data[12:16], data[20:]
    if kind == b"VP8 " and len(body) >= 10:
        return int.from_bytes(body[6:8], "little") & 0x3FFF, int.from_bytes(body[8:10], "little") & 0x3FFF
    if kind == b"VP8L" and len(body) >= 5:
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(body) >= 10:
        return int.from_bytes(body[4:7], "little") + 1, int.from_bytes(body[7:10], "little") + 1
    return None


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) that a file's header claims, for every format we read, without any
    decoder; None when the header holds none.  The admission check's fallback where Pillow
    cannot parse a header: OpenCV would decode such a file whole before its size is known (a
    PNG with one damaged text chunk, a float RGB TIFF)."""
    import struct

    kind = _sniff(data)
    try:
        if kind == "PNG":
            return struct.unpack_from(">II", data, 16) if data[12:16] == b"IHDR" else None
        if kind == "JPEG":
            return _jpeg_size(data)
        if kind == "TIFF":
            return tiff_size(data)
        if kind == "GIF":
            return struct.unpack_from("<HH", data, 6)
        if kind == "BMP":
            if struct.unpack_from("<I", data, 14)[0] == 12:       # OS/2 1.x header
                return struct.unpack_from("<HH", data, 18)
            w, h = struct.unpack_from("<ii", data, 18)
            return abs(w), abs(h)
        if kind == "WebP":
            return _webp_size(data)
    except struct.error:
        return None
    return None


MAX_JPEG_SCANS = 1000   # a progressive JPEG has about ten; 20,000 repeats of one scan hung the decoder
MAX_PAGES = 1000        # TIFF pages counted (Pillow counts them in quadratic time)
JPEG_SCAN_PIXELS = 4_000_000_000
"""Scans x pixels a JPEG of more than 20 scans may cost (each scan is a pass over every pixel,
about 1 ns each): 900 repeats of one scan of a 16-megapixel image took 16 s from 90 KB."""


ODD_JPEG_SCANS = 20      # more scans than a progressive JPEG's usual ten: an odd progression


def jpeg_scans(data: bytes) -> int:
    """How many scans a JPEG holds (0xFFDA only starts a scan: entropy-coded data stuffs every 0xFF)."""
    return data.count(b"\xff\xda")


def jpeg_stall(data: bytes, width: int, height: int, scans: int | None = None) -> str | None:
    """Why a JPEG's scans would stall its decoder (more than :data:`MAX_JPEG_SCANS`, or more
    than :data:`ODD_JPEG_SCANS` whose passes over ``width`` x ``height`` exceed
    :data:`JPEG_SCAN_PIXELS`), else None; ``scans``: :func:`jpeg_scans`, when counted."""
    scans = jpeg_scans(data) if scans is None else scans
    if scans > MAX_JPEG_SCANS:
        return f"a JPEG of more than {MAX_JPEG_SCANS} scans (a normal one has about ten): damaged or made to stall " \
               "decoders"
    if scans > ODD_JPEG_SCANS and scans * width * height > JPEG_SCAN_PIXELS:
        return f"a JPEG of {scans} scans at {width}x{height} (a normal one has about ten): damaged or made to " \
               "stall decoders"
    return None


def tiff_pages(data: bytes, cap: int = MAX_PAGES) -> int:
    """How many images a classic TIFF holds, walking its IFD chain (cycles end it), at
    most ``cap`` + 1; 1 when it cannot be walked."""
    import struct

    if len(data) < 8 or data[:2] not in (b"II", b"MM"):
        return 1
    e = "<" if data[:2] == b"II" else ">"
    if struct.unpack_from(e + "H", data, 2)[0] != 42:
        return 1
    seen: set[int] = set()
    try:
        off = struct.unpack_from(e + "I", data, 4)[0]
        while off and off not in seen and len(seen) <= cap:
            seen.add(off)
            n = struct.unpack_from(e + "H", data, off)[0]
            off = struct.unpack_from(e + "I", data, off + 2 + 12 * n)[0]
    except struct.error:
        pass
    return max(1, len(seen))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def png_without_text(data: bytes) -> bytes:
    """The PNG ``data`` with its text chunks (tEXt, zTXt, iTXt) left out; other chunks
    are copied as they are (each carries its own CRC).  A damaged chunk list ends the copy."""
    out = [data[:8]]
    i = 8
    while i + 12 <= len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        end = i + 12 + n
        if end > len(data):
            out.append(data[i:])
            break
        if kind not in _PNG_TEXT_CHUNKS:
            out.append(data[i:end])
        i = end
    return b"".join(out)


HEADER_BYTES = 1 << 18
"""Bytes read first: enough for the size of every format we read (checked before the rest)."""


def max_file_bytes(max_pixels: int | None) -> int | None:
    """Largest file that can hold an image within ``max_pixels``: 16-bit RGBA
    uncompressed (8 bytes a pixel) plus 16 MB of headers and metadata."""
    return None if max_pixels is None else max_pixels * 8 + (16 << 20)
