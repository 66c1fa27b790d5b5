export * from './crc32';
export * from './cobs';
export * from './frame';
export * from './messages';
export * from './utf8';
export * from './linkMessages';
export * from './continuity';
export * from './bounds';
