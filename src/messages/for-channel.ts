/**
 * A notice made ready for one channel: in the channel's locale (its own, else the schedule's, else English) and, when
 * the channel carries a template, with the template's rendering as `custom`, which every kind sends instead of its
 * default title and text. Used by the delivery activity and by `channels test`.
 */
import type { Notice } from '../channels/types.js';
import { DEFAULT_LOCALE, isLocale } from './catalog.js';
import { renderTemplate, type MessageTemplate } from './template.js';

/** What a stored channel says about its messages (both optional). */
export interface ChannelMessages {
  locale?: string;
  template?: MessageTemplate;
}

/** The effective locale: the channel's, else the notice's (the schedule's), else `en`; one with no catalogue is `en`. */
export function effectiveLocale(channelLocale: string | undefined, noticeLocale: string | undefined): string {
  const wanted = channelLocale ?? noticeLocale ?? DEFAULT_LOCALE;
  return isLocale(wanted) ? wanted : DEFAULT_LOCALE;
}

/**
 * The notice for `channel`. A template that fails to render (it was checked when stored, so only a notice unlike
 * every sample, or a template stored past the checks, can fail) leaves the default message: `templateError` then
 * says why, for the caller to log. The reason names the template's fault, never a notice's values.
 */
export function noticeFor(notice: Notice, channel: ChannelMessages = {}): { notice: Notice; templateError?: string } {
  const locale = effectiveLocale(channel.locale, notice.locale);
  const out: Notice = { ...notice, locale };
  delete out.custom;
  const t = channel.template;
  if (!t || (t.title === undefined && t.body === undefined)) return { notice: out };
  try {
    return { notice: { ...out, custom: renderTemplate(t, out, locale) } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { notice: out, templateError: message.replace(/, line:\d+, col:\d+$/, '').slice(0, 200) };
  }
}
