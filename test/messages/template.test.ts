/** Channel templates (src/messages/template.ts): checked when a channel is added or updated, rendered at send time. */
import { expect, test } from 'vitest';
import { checkTemplate, renderTemplate, TemplateError, type NoticeFacts } from '../../src/messages/template.js';

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const notice: NoticeFacts = {
  run: 'check-1.r1',
  checkTime: T,
  timezone: 'Asia/Shanghai',
  offline: [{ kind: 'offline', hostId: 'a', name: 'web-1', step: 10, offlineMs: 10 * 60_000, lastReportAt: T - 10 * 60_000 }],
  recoveries: [{ kind: 'recovered', hostId: 'b', name: 'db-1', wentSilentAt: T - 3_600_000, seenAgainAt: T - 60_000, goneMs: 3_540_000 }],
  offlineTotal: 3,
  recoveryTotal: 1,
};

function refusal(t: object): TemplateError {
  try {
    checkTemplate(t);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('accepted');
}

test('a good template is accepted and renders the lines, counts and locale texts', () => {
  const t = checkTemplate({
    title: '{{ counts.offline }} down ({{ check_time }})',
    body: '{% for l in lines %}{{ l.severity }} {{ l.host }} {{ l.duration }}\n{% endfor %}{% if counts.more > 0 %}{{ more_text }}{% endif %}',
  });
  expect(renderTemplate(t, notice, 'en')).toEqual({ title: '3 down (2026-11-23 17:00 +08:00)', body: 'critical web-1 10 minutes\nok db-1 59 minutes\n... and 2 more' });
  expect(renderTemplate(t, notice, 'zh-CN').body).toBe('critical web-1 10 分钟\nok db-1 59 分钟\n……另有 2 条');
  expect(renderTemplate({ body: '{{ title }}|{{ lines[0].text }}' }, notice, 'zh-CN')).toEqual({
    body: '[hostwatch] 3 台主机离线，1 台恢复在线（2026-11-23 17:00 +08:00，Asia/Shanghai）|离线  节点 web-1：已离线 10 分钟，最后上报 2026-11-23 16:50:00 +08:00',
  });
});

test('a bad template is refused naming the part, the line and the reason', () => {
  expect(refusal({ body: 'ok\n{{ lines | nope }}' })).toMatchObject({ field: 'template.body', line: 2, message: 'template.body line 2: undefined filter: nope' });
  expect(refusal({ title: '{% if counts.offline > 0 %}down' })).toMatchObject({ field: 'template.title', message: expect.stringMatching(/^template\.title line 1: tag .*if.* not closed/) });
  // an unknown variable is found by trying the template on sample notices, not at send time
  expect(refusal({ body: 'a\nb\n{{ host.name }}' })).toMatchObject({ field: 'template.body', line: 3, message: 'template.body line 3: undefined variable: host' });
  expect(refusal({ body: '{% for l in lines %}{{ l.hostname }}{% endfor %}' }).message).toMatch(/^template\.body line 1: undefined variable: l\.hostname/);
  expect(refusal({ title: '   ' }).message).toBe('template.title: must be a non-empty string');
  expect(refusal({ body: 'x'.repeat(20_000) }).message).toBe('template.body: longer than 16384 characters');
  expect(refusal({ body: '{% for i in (1..100000) %}{{ title }}{% endfor %}' }).field).toBe('template.body');
});

test('templates run no code: no include, no file access', () => {
  expect(refusal({ body: "{% include '/etc/passwd' %}" }).field).toBe('template.body');
  expect(refusal({ body: "{% render 'x' %}" }).field).toBe('template.body');
});
