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
    rules: {
      // Protocol lines, events and messages print numbers (ids, ports, counts) in templates by design.
      // The other allow* stay false as strictTypeChecked sets them (the rule's own defaults are looser).
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowAny: false, allowBoolean: false, allowNever: false, allowNullish: false, allowNumber: true, allowRegExp: false },
      ],
      // `(x) => resolve()`, `() => socket.destroy()`: one-expression callbacks are the house idiom.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // noUncheckedIndexedAccess types every `xs[i]` as possibly undefined; the hot paths assert it
      // with `!` after a bounds check. Allow `!` on an index access only, forbid it everywhere else.
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "TSNonNullExpression:not([expression.type='MemberExpression'][expression.computed=true])",
          message: 'Non-null assertion outside an index access: check for null/undefined instead.',
        },
      ],
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
