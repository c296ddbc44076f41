export {
  startCertificationAuthority,
  startOcspResponder,
  startTimeStampAuthority,
  startTrustServices,
  type RunningService,
  type RunningTrustServices,
  type StartTrustServicesOptions,
} from './start-services.ts';
