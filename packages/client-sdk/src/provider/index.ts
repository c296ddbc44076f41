export {
  XRoadContextRejection,
  createXRoadContextReader,
  readXRoadContext,
  sendXRoadRejection,
  type XRoadContext,
  type XRoadContextOptions,
} from './context.ts';
