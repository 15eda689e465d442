"""A private certificate authority for tests, made with the openssl command line."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from xaso.testbed.binaries import require_binary


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str) -> None:
    subprocess.run(
        [require_binary("openssl", "openssl"), *args],
        check=True,
        capture_output=True,
        timeout=30,
    )


def make_certificates(folder: Path, server_name: str = "localhost") -> Certificates:
    """A CA, a server certificate valid for ``server_name`` only (not for 127.0.0.1, so a
    test can show the hostname check), and a client certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca = folder / "ca.key", folder / "ca.pem"
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
        "-days",
        "2",
        "-subj",
        "/CN=xaso test CA",
    )
    issued = {}
    for name, subject, extension in (
        ("server", f"/CN={server_name}", f"subjectAltName=DNS:{server_name}"),
        ("client", "/CN=alpha-gw", "extendedKeyUsage=clientAuth"),
    ):
        key, request, cert = folder / f"{name}.key", folder / f"{name}.csr", folder / f"{name}.pem"
        extfile = folder / f"{name}.ext"
        extfile.write_text(extension + "\n", encoding="ascii")
        _openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(request),
            "-subj",
            subject,
        )
        _openssl(
            "x509",
            "-req",
            "-in",
            str(request),
            "-CA",
            str(ca),
            "-CAkey",
            str(ca_key),
            "-CAcreateserial",
            "-out",
            str(cert),
            "-days",
            "2",
            "-extfile",
            str(extfile),
        )
        issued[name] = (cert, key)
    return Certificates(ca, *issued["server"], *issued["client"])
