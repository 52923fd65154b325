// ES-module resolution from inside this package, for the CommonJS bundle (see load-bundle.cjs).
export const resolve = (specifier) => import.meta.resolve(specifier);
