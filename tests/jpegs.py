"""Small real JPEGs made in the test, with Pillow: a scene of a given colour and size."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def jpeg(width: int = 160, height: int = 90, colour: tuple[int, int, int] = (40, 120, 60)) -> bytes:
    """A scene: a coloured ground, a sky and a house-like block, so it is not uniform."""
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 3), fill=(150, 190, 230))
    draw.rectangle((width // 3, height // 3, width // 2, height * 2 // 3), fill=(200, 80, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def noisy_jpeg(size: int = 1024) -> bytes:
    """A JPEG of random pixels, which does not compress: about ``size`` pixels a side
    make hundreds of kilobytes."""
    import os

    image = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()
