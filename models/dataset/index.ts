export * from './csv';
export * from './formats';
export * from './columns';
export * from './recording';
export * from './bundle';
export * from './labels';
