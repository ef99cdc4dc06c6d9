// Prettier, set to the code's existing style: single quotes, trailing commas,
// two spaces, semicolons, `(x) =>`. Of the widths tried (80 to 250), 145
// reformats the fewest existing lines.
/** @type {import('prettier').Config} */
export default {
  printWidth: 145,
  singleQuote: true,
  trailingComma: 'all',
};
