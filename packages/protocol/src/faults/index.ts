export {
  FAULTS,
  FAULT_CODES,
  faultOrigin,
  isFaultCode,
  normalizeFaultCode,
  type FaultCode,
  type FaultOrigin,
} from './catalog.ts';
export { GatewayFault, faultFromUnknown, type FaultBody, type GatewayFaultOptions } from './gateway-fault.ts';
export { faultContentType, parseFaultBody, renderFault, type RenderedFault } from './render.ts';
