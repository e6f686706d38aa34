/**
 * The server certificate for go-plugin's AutoMTLS: a fresh self-signed
 * ECDSA P-256 certificate at each start. Terraform pins exactly this
 * certificate (it comes over the handshake line) and checks the name
 * `localhost`, so it is both the CA and the server certificate.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import * as der from './der';

export interface ServerCertificate {
  readonly der: Buffer;
  readonly certPem: string;
  readonly keyPem: string;
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** Tolerates small clock differences; the certificate only has to outlive one terraform command. */
const BACKDATE_MS = 60_000;
const LIFETIME_MS = 24 * 60 * 60_000;

export function createServerCertificate(now = new Date()): ServerCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = der.sequence(
    der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String('localhost'))),
  );
  const algorithm = der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));

  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40; // positive, and 16 bytes long

  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // X.509 v3
    der.unsignedInteger(serial),
    algorithm,
    name, // issuer
    der.sequence(
      der.time(new Date(now.getTime() - BACKDATE_MS)),
      der.time(new Date(now.getTime() + LIFETIME_MS)),
    ),
    name, // subject
    publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
      // digitalSignature (bit 0) | keyAgreement (bit 4) | keyCertSign (bit 5): 1000 1100, 2 unused bits
      extension(OID.keyUsage, true, der.bitString(Buffer.from([0x8c]), 2)),
      extension(OID.extKeyUsage, false, der.sequence(
        der.objectIdentifier(OID.serverAuth),
        der.objectIdentifier(OID.clientAuth),
      )),
      // GeneralName dNSName is [2] IMPLICIT IA5String
      extension(OID.subjectAltName, false, der.sequence(
        der.implicitPrimitive(2, Buffer.from('localhost', 'ascii')),
      )),
    )),
  );

  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const cert = der.sequence(tbs, algorithm, der.bitString(signature));
  return {
    der: cert,
    certPem: pem('CERTIFICATE', cert),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(
    der.objectIdentifier(oid),
    ...(critical ? [der.boolean(true)] : []), // DER omits the default FALSE
    der.octetString(value),
  );
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
