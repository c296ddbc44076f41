/** Evidence bundles: one message's records, proofs, checkpoint and time-stamp, verified offline. */
export {
  parseEvidenceBundle,
  verifyEvidenceBundle,
  type EvidenceBundle,
  type EvidenceItem,
  type BundleVerifyReport,
  type BundleRecordSummary,
  type VerifyBundleOptions,
} from './bundle.ts';
