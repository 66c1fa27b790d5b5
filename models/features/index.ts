export * from './spec';
export * from './rms';
export * from './fft';
export * from './window';
export * from './extractor';
