import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { formatClientId } from '@tonle/protocol';
import { fault } from '../errors/index.ts';
import type { HostedClient } from '../server-conf/index.ts';

/** How an information system reached the client proxy: over TLS or not, and with which client certificate. */
export interface IsConnection {
  /** The request came over the HTTPS listener. */
  readonly encrypted: boolean;
  /** SHA-256 (lower-case hex) of the DER client certificate the IS presented in the TLS handshake. */
  readonly peerCertificateSha256?: string;
}

/**
 * What the socket a request arrived on says about the information system. A plain socket is unencrypted;
 * a TLS socket carries the client certificate's hash when one was presented (the HTTPS listener asks for
 * one but does not require it, so NOSSL and SSLNOAUTH clients can connect without).
 */
export function isConnection(socket: Socket): IsConnection {
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || typeof tls.getPeerCertificate !== 'function') return { encrypted: false };
  // getPeerCertificate() returns an empty object when the client sent no certificate.
  const raw = tls.getPeerCertificate().raw as Buffer | undefined;
  if (raw === undefined || raw.length === 0) return { encrypted: true };
  return { encrypted: true, peerCertificateSha256: createHash('sha256').update(raw).digest('hex') };
}

/**
 * Information-system authentication (xroad-digest 2.6 step 2; X-Road ug-ss 9.2 "connection type"):
 * - `NOSSL`: HTTP or HTTPS, with or without a certificate;
 * - `SSLNOAUTH`: HTTPS required, any or no client certificate;
 * - `SSLAUTH`: HTTPS with a client certificate whose SHA-256 is one of the client's `isCertHashes`.
 * Anything else throws the catalog fault `Server.ClientProxy.SslAuthenticationFailed` (HTTP 500), before
 * anything is signed or logged for the request.
 */
export function authenticateInformationSystem(hosted: Pick<HostedClient, 'id' | 'isAuthentication' | 'isCertHashes'>, connection: IsConnection): void {
  const mode = hosted.isAuthentication;
  if (mode === 'NOSSL') return;
  const who = formatClientId(hosted.id);
  if (!connection.encrypted) {
    throw fault('Server.ClientProxy.SslAuthenticationFailed', `Client ${who} must connect over HTTPS (the client proxy's HTTPS port)`);
  }
  if (mode === 'SSLNOAUTH') return;
  if (mode !== 'SSLAUTH') throw new TypeError(`authenticateInformationSystem: unknown isAuthentication mode ${String(mode)}`);
  const hash = connection.peerCertificateSha256?.toLowerCase();
  if (hash === undefined) {
    throw fault('Server.ClientProxy.SslAuthenticationFailed', `Client ${who} must present a TLS client certificate registered for it on this security server`);
  }
  if (!hosted.isCertHashes.includes(hash)) {
    throw fault('Server.ClientProxy.SslAuthenticationFailed', `The TLS client certificate is not registered for client ${who}; add it to the client's information system certificates`);
  }
}
