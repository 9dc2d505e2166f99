"""A private, throwaway PostgreSQL cluster for tests that need what the machine's shared
server cannot give: TLS (``ssl=on`` with a test CA) and real stops and starts.

``PgCluster.create()`` runs Debian's binaries (``/usr/lib/postgresql/<newest>/bin``) in a
temporary directory: initdb as the ``postgres`` OS user when running as root (initdb
refuses root), listening only on 127.0.0.1 on a free port, trust auth, ``ssl=on`` with a
server certificate for ``localhost`` and ``127.0.0.1`` signed by a CA made for this run
(with the ``cryptography`` package when it is importable, else the ``openssl`` CLI).
``close()`` stops it (``-m immediate``) and removes the directory.

Anything missing on the machine raises ``ClusterUnavailable`` with the reason; the test
fixture turns that into a failure under CI and a skip elsewhere.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
OS_USER = "postgres"


class ClusterUnavailable(RuntimeError):
    """The private cluster cannot be made on this machine (the message says why)."""


def pg_bin_dir() -> Path:
    """The newest installed major version's bin directory."""
    if not PG_ROOT.is_dir():
        raise ClusterUnavailable(f"no PostgreSQL server binaries: {PG_ROOT} does not exist")
    versions = sorted((p for p in PG_ROOT.iterdir() if p.name.isdigit() and (p / "bin" / "initdb").exists()),
                      key=lambda p: int(p.name))
    if not versions:
        raise ClusterUnavailable(f"no PostgreSQL server binaries: no {PG_ROOT}/<version>/bin/initdb")
    return versions[-1] / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- certificates ------------------------------------------------------------------------------


@dataclass
class Certs:
    ca: Path           # the CA clients trust (sslrootcert)
    server_crt: Path
    server_key: Path
    other_ca: Path     # a CA that did not sign the server's certificate


def make_certs(directory: Path, *, names: tuple[str, ...] = ("localhost",),
               ips: tuple[str, ...] = ("127.0.0.1",)) -> Certs:
    """A throwaway CA, a server certificate (CN = first name; SAN = names + ips) signed by
    it, and an unrelated second CA. Keys are EC P-256 (fast) and never leave ``directory``."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        if shutil.which("openssl") is None:
            raise ClusterUnavailable("neither the cryptography package nor the openssl CLI is available"
                                     " to make test certificates") from None
        return _certs_openssl(directory, names, ips)
    return _certs_cryptography(directory, names, ips)


def _certs_cryptography(d: Path, names: tuple[str, ...], ips: tuple[str, ...]) -> Certs:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    later = now + dt.timedelta(days=2)

    def write_key(key, path: Path) -> None:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)

    def ca(cn: str, stem: str):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(later)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        (d / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_key(key, d / f"{stem}.key")
        return key, cert

    ca_key, ca_cert = ca("PST Kiosk test CA", "ca")
    ca("Some other CA", "other-ca")
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (d / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_key(key, d / "server.key")
    return Certs(d / "ca.pem", d / "server.crt", d / "server.key", d / "other-ca.pem")


def _certs_openssl(d: Path, names: tuple[str, ...], ips: tuple[str, ...]) -> Certs:
    def run(*args: str) -> None:
        done = subprocess.run(["openssl", *args], check=False, cwd=d, capture_output=True, text=True)
        if done.returncode:
            raise ClusterUnavailable(f"openssl {args[0]} failed: {done.stderr.strip()[:500]}")

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha256"]
    for stem, cn in (("ca", "PST Kiosk test CA"), ("other-ca", "Some other CA")):
        run("req", "-x509", *ec, "-days", "2", "-subj", f"/CN={cn}", "-keyout", f"{stem}.key", "-out", f"{stem}.pem",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature")
    run("req", "-new", *ec, "-subj", f"/CN={names[0]}", "-keyout", "server.key", "-out", "server.csr")
    san = ",".join([f"DNS:{n}" for n in names] + [f"IP:{i}" for i in ips])
    (d / "server.ext").write_text(f"basicConstraints=critical,CA:FALSE\nsubjectAltName={san}\n"
                                  "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-sha256", "-extfile", "server.ext", "-out", "server.crt")
    for key in ("ca.key", "other-ca.key", "server.key"):
        (d / key).chmod(0o600)
    return Certs(d / "ca.pem", d / "server.crt", d / "server.key", d / "other-ca.pem")


# -- the cluster --------------------------------------------------------------------------------


class PgCluster:
    def __init__(self, root: Path, bindir: Path, as_user: list[str], port: int, certs: Certs) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.bindir = bindir
        self.as_user = as_user
        self.port = port
        self.certs = certs

    # DSNs ---------------------------------------------------------------------------------

    def admin_dsn(self, dbname: str = "postgres") -> str:
        """The superuser over TCP; libpq's default sslmode=prefer makes it TLS too."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def tls_dsn(self, user: str, dbname: str, *, host: str = "localhost", rootcert: Path | None = None,
                extra: str = "") -> str:
        root = rootcert or self.certs.ca
        return (f"host={host} port={self.port} user={user} dbname={dbname}"
                f" sslmode=verify-full sslrootcert={root} {extra}").strip()

    # life cycle ---------------------------------------------------------------------------

    @classmethod
    def create(cls) -> PgCluster:
        bindir = pg_bin_dir()
        as_user: list[str] = []
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                owner = pwd.getpwnam(OS_USER)
            except KeyError:
                raise ClusterUnavailable(f"running as root and there is no '{OS_USER}' OS user"
                                         " to own the cluster") from None
            if shutil.which("runuser"):
                as_user = ["runuser", "-u", OS_USER, "--"]
            elif shutil.which("su"):
                as_user = ["su", OS_USER, "-s", "/bin/sh", "-c"]  # the command follows as one string
            else:
                raise ClusterUnavailable("running as root and neither runuser nor su is available")
        # Not under pytest's tmp_path: its parents are 0700 root, closed to the postgres user.
        root = Path(tempfile.mkdtemp(prefix="pst-pg-"))
        try:
            (root / "tls").mkdir()
            certs = make_certs(root / "tls")
            if owner is not None:
                for path in (root, root / "tls", *(root / "tls").iterdir()):
                    os.chown(path, owner.pw_uid, owner.pw_gid)
            root.chmod(0o700)
            # Clients (this process, as root or as the owner) read ca.pem; root reads it anyway.
            cluster = cls(root, bindir, as_user, free_port(), certs)
            cluster._initdb()
            cluster._start_first()
            return cluster
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [*self.as_user, shlex.join(args)] if self.as_user[:1] == ["su"] else [*self.as_user, *args]
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout, cwd=self.root)

    def _initdb(self) -> None:
        done = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
                         "--no-locale", "--no-sync", "--auth-local=trust", "--auth-host=trust")
        if done.returncode:
            raise ClusterUnavailable(f"initdb failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}")
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host  all all 127.0.0.1/32 trust\n")
        tls = self.root / "tls"
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"""
# pst-kiosk test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '{self.root}'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 30
max_wal_senders = 0
wal_level = minimal
ssl = on
ssl_cert_file = '{tls / "server.crt"}'
ssl_key_file = '{tls / "server.key"}'
ssl_ca_file = '{tls / "ca.pem"}'
log_min_messages = warning
""")

    def _start_first(self) -> None:
        """The first start, trying a few ports: another process may take the free one first."""
        for attempt in range(3):
            try:
                self.start()
                return
            except ClusterUnavailable:
                if attempt == 2:
                    raise
                self.port = free_port()

    def start(self) -> None:
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                         "-o", f"-p {self.port}", "start")
        if done.returncode:
            raise ClusterUnavailable(f"pg_ctl start failed: {(done.stderr or done.stdout).strip()[-400:]}\n"
                                     f"{self.log_tail()}")

    def stop(self, mode: str = "fast") -> None:
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "-m", mode, "stop")
        if done.returncode:
            raise RuntimeError(f"pg_ctl stop -m {mode} failed: {(done.stderr or done.stdout).strip()[-400:]}")

    def running(self) -> bool:
        return self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "status").returncode == 0

    def ensure_running(self) -> None:
        if not self.running():
            self.start()

    def wait_ready(self, seconds: float = 10.0) -> None:
        import psycopg

        end = time.monotonic() + seconds
        while True:
            try:
                with psycopg.connect(self.admin_dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def close(self) -> None:
        try:
            if self.data.exists():
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop",
                          timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
