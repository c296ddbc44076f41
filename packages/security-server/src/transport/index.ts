/** Tonle transport v1: framing, signed descriptors, JWS over node:crypto, and the mutual-TLS peer client. */
export { MAX_ENVELOPE_BYTES, TRANSPORT_CONTENT_TYPE, TRANSPORT_PATH, EnvelopeError, decodeFrame, encodeFrame, encodeFrameHead, readFrame, type BatchProof, type Envelope, type RecordedBatchProof } from './envelope.ts';
export {
  DIGEST_ALGORITHM,
  TRANSPORT_VERSION,
  DescriptorError,
  decodeDescriptor,
  encodeDescriptor,
  type Descriptor,
  type RequestDescriptor,
  type ResponseDescriptor,
} from './descriptor.ts';
export {
  JWS_TYPE,
  TRANSPORT_ALGORITHMS,
  JwsError,
  createKeyObjectSigner,
  headerFor,
  signCompact,
  signingInput,
  verifyCompact,
  type BytesSigner,
  type TransportAlgorithm,
  type TransportJwsHeader,
  type VerifiedJws,
} from './jws.ts';
export {
  TransportCheckError,
  checkBodyDigest,
  encodeBatchPayload,
  openHead,
  openMessage,
  requestHeaderPart,
  responseHeaderPart,
  sealRequest,
  sealRequestHead,
  sealResponse,
  sealResponseHead,
  sha512,
  type BatchPayload,
  type MessageSigner,
  type OpenedHead,
  type OpenedMessage,
  type SealedHead,
  type SignedDescriptor,
} from './message.ts';
export { createSingleMessageSigner, createBatchingMessageSigner } from './message-signer.ts';
export { PeerError, certHash, createPeerTransport, originOf, type PeerTransportOptions } from './peer-transport.ts';
export { probePeer, type PeerProbeResult } from './peer-probe.ts';
export { outgoingFrame } from './outgoing.ts';
export {
  DEFAULT_PEER_SELECTION_CACHE_MS,
  PeerProbeError,
  createPeerProbe,
  createPeerSelector,
  type PeerProbe,
  type PeerSelector,
  type PeerSelectorOptions,
} from './peer-selection.ts';
