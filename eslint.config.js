// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tonle/**', 'certs/out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Library code never reads the environment or the wall clock directly: both are injected
    // (style.md, "Config, logs, time"). Only entry points (main.ts, config loaders) may.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/*/src/main.ts', 'packages/*/src/**/config/**', 'packages/cli/src/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in config/ and inject it.' },
        { object: 'Date', property: 'now', message: 'Inject a Clock instead of reading the wall clock.' },
      ],
    },
  },
);
