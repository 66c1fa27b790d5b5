export * from './spec';
export * from './rms';
export * from './fft';
export * from './features';
export * from './windower';
export * from './velocity';
