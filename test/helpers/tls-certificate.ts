/** A self-signed certificate for 127.0.0.1, made at test time with openssl; nothing is fetched. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface CertificateFiles {
  /** The certificate (PEM), which is also the CA a client must trust to accept it. */
  certFile: string;
  keyFile: string;
}

export function selfSignedCertificate(dir: string): CertificateFiles {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
    { stdio: "ignore" },
  );
  return { certFile, keyFile };
}
