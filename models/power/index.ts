export { ASSUMED, DATASHEET, DEFAULT_BATTERY_MAH, FIRMWARE, MEASURED, type DatasheetCurrent } from './figures';
export { estimatePower, featuresWireBytes, rawBlock, wireBytes, PowerConfigError, type PowerConfig, type PowerEstimate, type PowerLink, type PowerPartId, type PowerStream } from './estimate';
