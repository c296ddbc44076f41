/** @tonle/central-registry: see package.json description. Its exports are added as the package is built. */
export {};
