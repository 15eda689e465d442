"""What a snapshot looks like, in four numbers, and the thumbnail the server shows.

Pillow only, on a small picture: a JPEG is decoded in draft mode (libjpeg scales it by
1/2, 1/4 or 1/8 while decoding, so a 4K frame never exists in memory at full size), cut
down to a 320 px thumbnail, and measured on grey copies of that (sharpness at 320 px,
the rest at 160 px). At that size
every measure costs well under a millisecond and a camera's whole snapshot a few tens
of kilobytes of memory; numpy or OpenCV would add tens of megabytes to the gateway for
nothing these four numbers need.
"""

from __future__ import annotations

import io
import warnings
from typing import NamedTuple

from PIL import Image, ImageChops, ImageFilter, ImageStat, UnidentifiedImageError

THUMBNAIL_WIDTH = 320
THUMBNAIL_QUALITY = 60
MEASURE_WIDTH = 160
# Larger than any camera's snapshot (a 12 MP fisheye is 4000 x 3000): a bigger "image"
# is a decompression bomb or not a snapshot at all.
MAX_PIXELS = 40_000_000
# Formats a snapshot comes in; anything else is refused before a decoder sees it.
FORMATS = ("JPEG", "PNG", "BMP")
# Half-width of the luma band counted as "one colour" by ``uniform_pct``, as a share of
# the frame's mean luma: the eye (and a camera's gain) sees differences relative to the
# light, so a dim scene's band is narrower than a bright one's.
UNIFORM_BAND = 0.12
UNIFORM_MIN_HALF_WIDTH = 2
# The 3 x 3 Laplacian; offset 128 keeps its negative half inside an 8-bit grey image.
_LAPLACIAN = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)


class PictureError(Exception):
    """The bytes are not a picture we can measure; the message says why, briefly."""


class Measured(NamedTuple):
    brightness: float  # mean luma, 0-255
    sharpness: float  # variance of the Laplacian of the luma
    uniform_pct: float  # share of the frame within one narrow band of luma, 0-100
    grey: Image.Image  # the 160 px grey copy, kept to compare with the next snapshot
    thumbnail: bytes  # JPEG, at most 320 px wide
    width: int  # of the thumbnail
    height: int


def measure(data: bytes) -> Measured:
    """Decode ``data`` (a JPEG, PNG or BMP snapshot) small, measure it, make a thumbnail."""
    picture = _open(data)
    thumbnail = picture.convert("RGB")
    if thumbnail.width > THUMBNAIL_WIDTH:
        height = max(1, round(thumbnail.height * THUMBNAIL_WIDTH / thumbnail.width))
        thumbnail = thumbnail.resize((THUMBNAIL_WIDTH, height), Image.Resampling.BOX)
    # Sharpness on the thumbnail's grey: at 160 px a lens a little out of focus would
    # still look crisp.
    thumbnail_grey = thumbnail.convert("L")
    grey = thumbnail_grey
    if grey.width > MEASURE_WIDTH:
        height = max(1, round(grey.height * MEASURE_WIDTH / grey.width))
        grey = grey.resize((MEASURE_WIDTH, height), Image.Resampling.BOX)
    encoded = io.BytesIO()
    thumbnail.save(encoded, "JPEG", quality=THUMBNAIL_QUALITY)
    return Measured(
        brightness=round(ImageStat.Stat(grey).mean[0], 2),
        sharpness=round(sharpness(thumbnail_grey), 2),
        uniform_pct=round(uniform_pct(grey), 2),
        grey=grey,
        thumbnail=encoded.getvalue(),
        width=thumbnail.width,
        height=thumbnail.height,
    )


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = picture.size
            if width * height > MAX_PIXELS or width < 8 or height < 8:
                raise PictureError(f"implausible snapshot size {width}x{height}")
            # Decode at the smallest scale libjpeg offers that still covers the
            # thumbnail (a no-op for PNG and BMP).
            target_h = max(1, round(height * THUMBNAIL_WIDTH / width))
            picture.draft("RGB", (THUMBNAIL_WIDTH, target_h))
            picture.load()
    except PictureError:
        raise
    except UnidentifiedImageError:
        raise PictureError(f"not an image ({_sniff(data)})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError("image too large to be a snapshot") from None
    except (OSError, ValueError, SyntaxError) as exc:
        # Truncated or damaged files end up here (Pillow's own message says which).
        raise PictureError(f"unreadable image: {str(exc)[:80]}") from None
    except Exception as exc:
        raise PictureError(f"unreadable image: {type(exc).__name__}") from None
    return picture


def _sniff(data: bytes) -> str:
    head = data[:64].lstrip().lower()
    if not data:
        return "empty answer"
    if head.startswith((b"<!doctype html", b"<html")):
        return "an html page"
    if head.startswith(b"<"):
        return "xml or html"
    if head.startswith((b"{", b"[")):
        return "json"
    return f"{len(data)} bytes starting {data[:4].hex()}"


def uniform_pct(grey: Image.Image) -> float:
    """The share of pixels in the frame's most crowded band of luma, the band being
    +-12 % of the mean luma wide (+-13 levels in a frame of mean 110, +-2 at 17).

    A band that slides to wherever the pixels crowd, rather than fixed bins: a cloth
    whose shade happens to straddle a fixed bin edge would otherwise split in two and
    look half as uniform as it is.
    """
    histogram = grey.histogram()
    total = sum(histogram)
    mean = sum(level * count for level, count in enumerate(histogram)) / max(total, 1)
    width = 2 * max(UNIFORM_MIN_HALF_WIDTH, round(UNIFORM_BAND * mean)) + 1
    window = sum(histogram[:width])
    best = window
    for start in range(1, len(histogram) - width + 1):
        window += histogram[start + width - 1] - histogram[start - 1]
        best = max(best, window)
    return 100.0 * best / total if total else 0.0


def sharpness(grey: Image.Image) -> float:
    """Variance of the Laplacian: high where edges are crisp, low when out of focus."""
    edges = grey.filter(_LAPLACIAN)
    # Pillow leaves the outermost pixels unfiltered (raw luma, not Laplacian + 128):
    # they must not count.
    inner = edges.crop((1, 1, edges.width - 1, edges.height - 1))
    return float(ImageStat.Stat(inner).var[0])


def change(previous: Image.Image | None, current: Image.Image) -> float | None:
    """Mean absolute luma difference from the previous snapshot; None without a
    comparable one (the first snapshot, or the camera changed its resolution)."""
    if previous is None or previous.size != current.size:
        return None
    return round(ImageStat.Stat(ImageChops.difference(previous, current)).mean[0], 3)
