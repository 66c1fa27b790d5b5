// Vite bundles imported stylesheets into a CSS file; for TypeScript they are side-effect imports.
declare module '*.css';
