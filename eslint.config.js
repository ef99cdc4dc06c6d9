// ESLint flat config: typescript-eslint's strictTypeChecked over everything
// tsconfig.json includes (src, workers, test, bench, vitest.config.ts).
// Type information comes from the TypeScript 6 API (the `typescript` package is
// aliased to @typescript/typescript6, since TypeScript 7 ships no API yet); the
// build and `tsc` stay on TypeScript 7 (@typescript/native).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', '.p2p-tmp/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Plain JavaScript (bin/, scripts/, this file) is outside tsconfig.json: lint it without types.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
