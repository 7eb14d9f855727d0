import { writeFileSync } from 'node:fs';
import { renderErrorsMarkdown } from '../src/app/catalogue.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsMarkdown());
console.log('docs/errors.md written');
