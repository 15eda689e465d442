"""A commune's outline for the map when the inventory gives none: the smallest convex
polygon around its points (gateways, devices, key locations).

It is a sketch of where the commune's equipment stands, not its legal boundary; an
inventory that knows the boundary gives it (``outline:`` in ``devices.yaml``). Over a few
kilometres the earth is flat enough for the hull to be taken on degrees directly.
"""

from __future__ import annotations

from collections.abc import Iterable

Point = tuple[float, float]  # (lat, lon)


def convex_hull(points: Iterable[Point]) -> list[Point]:
    """The hull's corners in order (Andrew's monotone chain, O(n log n)); fewer than
    three when the points do not span an area (one place, or all on a line)."""
    unique = sorted(set(points), key=lambda p: (p[1], p[0]))  # west to east
    if len(unique) < 3:
        return unique

    def turn(o: Point, a: Point, b: Point) -> float:
        # > 0: o -> a -> b turns counter-clockwise on a (lon, lat) plane.
        return (a[1] - o[1]) * (b[0] - o[0]) - (a[0] - o[0]) * (b[1] - o[1])

    def half(ordered: list[Point]) -> list[Point]:
        chain: list[Point] = []
        for point in ordered:
            while len(chain) >= 2 and turn(chain[-2], chain[-1], point) <= 0:
                chain.pop()
            chain.append(point)
        return chain

    lower, upper = half(unique), half(unique[::-1])
    return lower[:-1] + upper[:-1]
