import reactHooks from 'eslint-plugin-react-hooks';
import root from '../../eslint.config.js';

// The repository's rules, plus the hooks rules for the page: they catch stale closures and
// effects that re-run forever, the bugs React code is most prone to.
export default [
  ...root,
  { ...reactHooks.configs.flat.recommended, files: ['src/web/**/*.{ts,tsx}'] },
];
