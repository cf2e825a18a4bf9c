// The API server's credentials: a CA, a serving certificate for 127.0.0.1/localhost signed by it,
// and the bearer token. Generated once per state dir and reused, so kubeconfigs stay valid.

import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface ServingMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  token: string;
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

const generateRsa = promisify(generateKeyPair);

interface KeyPair {
  publicKey: forge.pki.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  keyPem: string;
}

async function newKeyPair(): Promise<KeyPair> {
  // Native key generation off the main thread: forge's pure-JS RSA takes seconds on a busy machine.
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), privateKey: forgeKey, keyPem };
}

function serial(): string {
  // A positive serial number: the high bit of the first byte stays clear.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function certificate(
  subjectCn: string,
  publicKey: forge.pki.PublicKey,
  issuer: { cn: string; key: forge.pki.rsa.PrivateKey },
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + TEN_YEARS_MS);
  cert.setSubject([{ name: 'commonName', value: subjectCn }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.cn }]);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return cert;
}

async function generate(): Promise<Omit<ServingMaterial, 'token'>> {
  const [ca, server] = await Promise.all([newKeyPair(), newKeyPair()]);
  const caCn = 'podloop-sandbox-ca';
  const caCert = certificate(caCn, ca.publicKey, { cn: caCn, key: ca.privateKey }, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ]);
  const serverCert = certificate('podloop-sandbox-apiserver', server.publicKey, { cn: caCn, key: ca.privateKey }, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(serverCert),
    keyPem: server.keyPem,
  };
}

function writeSecret(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Loads the state dir's CA, serving certificate and token, creating whatever is missing. */
export async function ensureServingMaterial(stateDir: string): Promise<ServingMaterial> {
  const dir = join(stateDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'apiserver.crt'), key: join(dir, 'apiserver.key') };
  if (![files.ca, files.cert, files.key].every((f) => existsSync(f))) {
    const made = await generate();
    writeFileSync(files.ca, made.caPem);
    writeFileSync(files.cert, made.certPem);
    writeSecret(files.key, made.keyPem);
  }
  const tokenFile = join(dir, 'token');
  if (!existsSync(tokenFile)) writeSecret(tokenFile, randomBytes(32).toString('base64url'));
  return {
    caPem: readFileSync(files.ca, 'utf8'),
    certPem: readFileSync(files.cert, 'utf8'),
    keyPem: readFileSync(files.key, 'utf8'),
    token: readFileSync(tokenFile, 'utf8').trim(),
  };
}
