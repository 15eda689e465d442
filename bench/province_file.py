"""A generated ``devices.yaml`` for the benches that run the real server on a big fleet.

The file is shaped like the pilot inventory at the repository's root, since what the
server pays to load it depends on the shape and not only on the count: communes with
villages and key locations, two gateways per commune (a radio gateway for the
loudspeaker clusters in the villages, a CCTV gateway for the cameras at the key
locations), one flow mapping per device with a Vietnamese name. Agent ids are
``xa-NNNNN-radio-gw`` and ``xa-NNNNN-cctv-gw``.

Used by bench/storm.py (15,000 gateways) and bench/server_memory.py (15,000 and 150,000
devices).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VILLAGES_PER_COMMUNE = 6
KEY_LOCATIONS = ("ubnd", "cho", "truong-th", "tram-y-te", "nga-tu", "nvh")
KEY_LOCATION_KINDS = {
    "ubnd": ("Trụ sở UBND", "commune_centre"),
    "cho": ("Chợ trung tâm", "market"),
    "truong-th": ("Trường Tiểu học", "school"),
    "tram-y-te": ("Trạm Y tế", "health_station"),
    "nga-tu": ("Ngã tư trung tâm", "traffic_node"),
    "nvh": ("Nhà văn hóa", "cultural_house"),
}


@dataclass(frozen=True)
class Province:
    """``gateways`` agents, ``devices_per_gateway`` devices behind each (besides the
    gateway itself, which the server tracks too)."""

    gateways: int
    devices_per_gateway: int

    @property
    def communes(self) -> int:
        return (self.gateways + 1) // 2

    @property
    def tracked(self) -> int:
        """Every id the server tracks: gateways and the devices behind them."""
        return self.gateways * (1 + self.devices_per_gateway)

    def agent_ids(self) -> list[str]:
        return [agent_id for agent_id, _ in self.agents()]

    def agents(self) -> list[tuple[str, list[str]]]:
        """Each gateway's id and the ids of its devices, in file order."""
        result = []
        for i in range(self.gateways):
            code, radio = _commune_code(i // 2), i % 2 == 0
            prefix = "rc" if radio else "cam"
            agent_id = f"{code}-{'radio' if radio else 'cctv'}-gw"
            devices = [f"{code}-{prefix}-{d:02d}" for d in range(1, self.devices_per_gateway + 1)]
            result.append((agent_id, devices))
        return result

    def write(self, path: Path) -> Path:
        path.write_text(self.yaml(), encoding="utf-8")
        return path

    def yaml(self) -> str:
        lines = [
            "schema: 1",
            "name: Tỉnh mô phỏng (bench)",
            "timezone: Asia/Ho_Chi_Minh",
            "levels: [province, commune, village]",
            "areas:",
            "  - {code: tinh, name: Tỉnh mô phỏng, level: province}",
            "profiles:",
            "  gateway: {heartbeat_interval_s: 30, offline_after_s: 90}",
            "  radio_cluster: {heartbeat_interval_s: 60, offline_after_s: 240}",
            "  camera: {heartbeat_interval_s: 60, offline_after_s: 180}",
            "communes:",
        ]
        agents = self.agents()
        for c in range(self.communes):
            lines += self._commune(c, agents[2 * c : 2 * c + 2])
        return "\n".join(lines) + "\n"

    @staticmethod
    def _commune(c: int, agents: list[tuple[str, list[str]]]) -> list[str]:
        code = _commune_code(c)
        lines = [
            f"  - code: {code}",
            f"    name: Xã Mô Phỏng {c + 1}",
            "    kind: xa",
            "    parents: [{area: tinh}]",
            "    villages:",
        ]
        lines += [
            f"      - {{code: {code}.thon-{v}, name: Thôn {v}}}"
            for v in range(1, VILLAGES_PER_COMMUNE + 1)
        ]
        lines.append("    key_locations:")
        for place in KEY_LOCATIONS:
            name, kind = KEY_LOCATION_KINDS[place]
            lines.append(
                f"      - {{code: {code}.{place}, name: {name} xã {c + 1}, kind: {kind}, "
                f"village: {code}.thon-1}}"
            )
        lines.append("    agents:")
        for agent_id, devices in agents:
            radio = "-radio-" in agent_id
            lines += [
                f"      - id: {agent_id}",
                f"        name: Gateway {'truyền thanh' if radio else 'camera'} xã {c + 1}",
                f"        kind: {'radio_gateway' if radio else 'cctv_gateway'}",
                "        devices:" if devices else "        devices: []",
            ]
            for d, device_id in enumerate(devices):
                if radio:
                    village = d % VILLAGES_PER_COMMUNE + 1
                    lines.append(
                        f"          - {{id: {device_id}, name: Cụm loa Thôn {village} - "
                        f"số {d // VILLAGES_PER_COMMUNE + 1}, type: radio_cluster, "
                        f"village: {code}.thon-{village}}}"
                    )
                else:
                    place = KEY_LOCATIONS[d % len(KEY_LOCATIONS)]
                    lines.append(
                        f"          - {{id: {device_id}, name: Camera "
                        f"{KEY_LOCATION_KINDS[place][0]} - số {d + 1}, type: camera, "
                        f"location: {code}.{place}}}"
                    )
        return lines


def _commune_code(c: int) -> str:
    return f"xa-{c:05d}"
