import { describe, expect, it } from 'vitest';
import { humanLogLine } from '../lib/human-log-line.ts';

describe('humanLogLine (the npm start console view)', () => {
  it('renders a pino JSON line as time, level, message and fields', () => {
    const line = JSON.stringify({ level: 30, time: '2026-11-21T06:04:11.862Z', service: 'origin', name: 'origin', stage: 'package', percent: 81.3, msg: 'making sample title' });
    expect(humanLogLine(line)).toBe('06:04:11 info  making sample title stage=package percent=81.3');
  });

  it.each(['[wrangler:info] Ready on http://127.0.0.1:8787', '{not json', JSON.stringify({ level: 30, note: 'no msg' })])(
    'passes %j through unchanged',
    (line) => {
      expect(humanLogLine(line)).toBe(line);
    },
  );
});
