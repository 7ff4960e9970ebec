/** The payment page in headless Chromium (`npm run test:browser`, after `npm run build:page`). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/apps'],
  testRegex: '.*\\.browser-spec\\.ts$',
  maxWorkers: 1,
  testTimeout: 90_000,
};
