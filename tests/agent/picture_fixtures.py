"""Snapshots made with Pillow for the picture-health tests (helpers, no tests here).

A synthetic street: sky, houses with windows, a road with markings, a pole, a clock
overlay like a camera's OSD, sensor noise, and a car whose place changes between
frames, so two live frames differ as a real camera's do. The faults are made from it
the way they happen: the light goes (darkened), the focus goes (Gaussian blur), a cloth
goes over the lens (one dim colour with a little noise and vignetting), the encoder
sticks (the same frame again).
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

WIDTH, HEIGHT = 640, 360


def scene(frame: int = 0, *, seed: int = 7) -> Image.Image:
    rng = random.Random(seed)  # the same street every time
    picture = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(picture)
    for y in range(150):  # sky, lighter towards the horizon
        shade = 120 + y // 2
        draw.line([(0, y), (WIDTH, y)], fill=(shade - 40, shade - 10, shade + 40))
    draw.rectangle([0, 150, WIDTH, HEIGHT], fill=(70, 72, 68))  # road
    for _ in range(400):  # patches and stains on the asphalt
        px, py, shade = rng.randrange(WIDTH), rng.randrange(150, HEIGHT), rng.randint(35, 125)
        draw.ellipse([px, py, px + rng.randint(6, 40), py + rng.randint(3, 14)], fill=(shade,) * 3)
    draw.rectangle([0, 330, WIDTH, HEIGHT], fill=(150, 170, 90))  # verge
    for x in range(0, WIDTH, 80):  # lane markings
        draw.rectangle([x, 280, x + 40, 288], fill=(230, 230, 220))
    x = 10
    while x < WIDTH - 60:  # houses with windows
        width, height = rng.randint(60, 110), rng.randint(60, 120)
        colour = (rng.randint(120, 220), rng.randint(90, 200), rng.randint(60, 170))
        draw.rectangle([x, 150 - height, x + width, 150], fill=colour, outline=(30, 30, 30))
        for wx in range(x + 8, x + width - 14, 22):
            for wy in range(160 - height, 140, 26):
                draw.rectangle([wx, wy, wx + 10, wy + 14], fill=(40, 50, 70))
        x += width + rng.randint(4, 20)
    draw.rectangle([500, 40, 506, 260], fill=(50, 50, 50))  # a pole
    car = 40 + (frame * 97) % 480  # the car moves between frames
    draw.rectangle([car, 210, car + 90, 250], fill=(180, 20, 30), outline=(10, 10, 10))
    draw.text((12, 12), f"2026-12-03 10:{frame % 60:02d}:00  CAM-01", fill=(255, 255, 255))
    return _noisy(picture, amount=6)


def darkened(frame: int = 0, factor: float = 0.07) -> Image.Image:
    """The light gone (0.07: a street at night with no infrared), or dimmed."""
    return ImageEnhance.Brightness(scene(frame)).enhance(factor)


def blurred(frame: int = 0, radius: float = 3) -> Image.Image:
    """Out of focus (3), or just softer (1.5)."""
    return scene(frame).filter(ImageFilter.GaussianBlur(radius))


def night_infrared(frame: int = 0) -> Image.Image:
    """The same street at night under the camera's infrared: grey, dim, noisy, but
    with its contrast (the camera's gain keeps it)."""
    grey = ImageOps.grayscale(scene(frame)).point(lambda v: int(v * 0.17))
    return _noisy(grey.convert("RGB"), amount=6)


def covered(frame: int = 0) -> Image.Image:
    """A grey-brown cloth close to the lens: one colour, lit a little unevenly."""
    cloth = Image.new("RGB", (WIDTH, HEIGHT), (96, 84, 72))
    shade = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    cloth = Image.composite(Image.new("RGB", (WIDTH, HEIGHT), (84, 74, 64)), cloth, shade)
    return _noisy(cloth, amount=3)


def jpeg(picture: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _noisy(picture: Image.Image, *, amount: float) -> Image.Image:
    """Sensor noise (Gaussian, around 128 in Pillow's generator): no two frames of the
    same street give the same bytes."""
    noise = Image.effect_noise(picture.size, amount)
    return ImageChops.add(picture, Image.merge("RGB", (noise,) * 3), offset=-128)
