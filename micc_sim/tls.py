"""TLS for `micc-sim serve --tls`: the certificate set-ups of the integrator guide.

* ``ca``          -- a local certificate authority signs the server certificate; clients that trust
                     ``ca.pem`` verify the server (the guide's "Verify" mode, with a CA of your own);
* ``self-signed`` -- the server certificate signs itself; clients trust ``server.pem`` itself
                     ("Self-signed") or skip verification ("No verify").

Certificates are generated with ``cryptography`` into a folder and reused while they are valid and name
the same hosts, so a client configured once keeps working across restarts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = timedelta(days=365)


class TlsMode(StrEnum):
    OFF = "off"
    SELF_SIGNED = "self-signed"
    CA = "ca"


@dataclass(frozen=True)
class TlsFiles:
    cert: Path  # the server's certificate chain (PEM)
    key: Path  # its private key (PEM)
    trust: Path  # what clients trust: ca.pem, or the self-signed certificate itself


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "micc-sim"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _subject_alternative_names(hosts: list[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _still_good(cert_path: Path, hosts: list[str]) -> bool:
    if not cert_path.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    wanted = _subject_alternative_names(hosts)
    return (cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1)
            and set(map(str, sans)) == set(map(str, wanted)))


def ensure_certificates(mode: TlsMode, folder: Path, hosts: list[str]) -> TlsFiles:
    """The certificate files for ``mode`` in ``folder``, generated when missing, expiring or for other hosts."""
    folder.mkdir(parents=True, exist_ok=True)
    prefix = "ca-" if mode is TlsMode.CA else "self-signed-"
    files = TlsFiles(folder / f"{prefix}server.pem", folder / f"{prefix}server.key",
                     folder / ("ca.pem" if mode is TlsMode.CA else f"{prefix}server.pem"))
    if _still_good(files.cert, hosts) and files.key.exists() and files.trust.exists():
        return files
    now = datetime.now(UTC) - timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    server_name = _name(hosts[0])
    builder = (x509.CertificateBuilder().subject_name(server_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now)
               .not_valid_after(now + VALIDITY)
               .add_extension(_subject_alternative_names(hosts), critical=False)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    if mode is TlsMode.CA:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("micc-sim local CA")
        ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                   .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
        server = (builder.issuer_name(ca_name)
                  .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                  .sign(ca_key, hashes.SHA256()))
        files.trust.write_bytes(_pem(ca_cert))
        files.cert.write_bytes(_pem(server) + _pem(ca_cert))
    else:
        server = (builder.issuer_name(server_name)
                  .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                  .sign(key, hashes.SHA256()))
        files.cert.write_bytes(_pem(server))
    _write_key(key, files.key)
    return files
