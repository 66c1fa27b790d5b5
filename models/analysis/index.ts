export * from './bearings';
export * from './envelope';
export * from './markers';
export * from './spectrum';
export * from './bandSelect';
export * from './envelopeAnalysis';
