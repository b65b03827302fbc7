"""The grading cluster's own TLS certificates: only machines holding them can join or submit work.

    <folder>/ca.pem         the course's certificate authority (public; it signed node.pem)
    <folder>/node.pem       the certificate every scheduler, worker and `make grade` presents
    <folder>/node-key.pem   its private key (mode 0600)

Dask checks both ends of every connection against ca.pem (mutual TLS), so a program without
node-key.pem can neither submit work to the cluster nor pose as a worker and read the students'
code. The authority's own key is thrown away once node.pem is signed: nobody, not even whoever
holds the folder, can make another certificate the cluster accepts. To shut out every machine
that has the folder, make a new one and copy it to the machines that should stay.
"""

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from classgrader.errors import GradingError

FILES = ("ca.pem", "node.pem", "node-key.pem")
VALID_DAYS = 365


def paths(folder: Path) -> dict[str, Path]:
    """ca, cert, key -> their files in `folder`."""
    return dict(zip(("ca", "cert", "key"), (folder / name for name in FILES)))


def check(folder: Path) -> dict[str, Path]:
    """The certificate files in `folder`; GradingError saying what to do if any is missing."""
    found = paths(folder)
    missing = [path.name for path in found.values() if not path.is_file()]
    if missing:
        raise GradingError(f"the cluster's certificates are not in {folder} ({', '.join(missing)} missing): make "
                           f"them with make grade-scheduler (on the scheduler's machine), then copy that folder "
                           f"to each grading machine and pass it as TLS=<folder>.")
    return found


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Backprop by Hand grading cluster"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: x509.Name, issuer: x509.Name, public_key, signing_key, is_ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    return builder.sign(signing_key, hashes.SHA256())


def create(folder: Path) -> dict[str, Path]:
    """Make a new authority and node certificate in `folder` (which must not hold any yet)."""
    found = paths(folder)
    if any(path.exists() for path in found.values()):
        raise GradingError(f"{folder} already holds cluster certificates: use them, or remove the folder to make "
                           f"new ones (machines with the old ones are then shut out).")
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, node_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority = _name("course certificate authority")
    ca = _certificate(authority, authority, ca_key.public_key(), ca_key, is_ca=True)
    node = _certificate(_name("grading node"), authority, node_key.public_key(), ca_key, is_ca=False)
    found["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    found["cert"].write_bytes(node.public_bytes(serialization.Encoding.PEM))
    descriptor = os.open(found["key"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(node_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return found
