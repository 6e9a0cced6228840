// vue-i18n set-up shared by the web clients: Chinese first, English second.
// Messages are compiled at run time without eval (vue-i18n's JIT compiler),
// so the strict Content-Security-Policy holds.
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'

/** The languages the clients speak, the first the default. */
export const LANGUAGES = ['zh-CN', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

const STORE_KEY = 'xiezhi.lang'

/** savedLanguage is the language chosen before on this browser, else zh-CN. */
export function savedLanguage(): Language {
  const v = globalThis.localStorage?.getItem(STORE_KEY)
  return (LANGUAGES as readonly string[]).includes(v ?? '') ? (v as Language) : 'zh-CN'
}

/** makeI18n returns the i18n plugin in the saved language. */
export function makeI18n() {
  return createI18n({
    legacy: false,
    locale: savedLanguage(),
    fallbackLocale: 'zh-CN',
    messages: { 'zh-CN': zhCN, en },
  })
}

/** rememberLanguage keeps the choice for the next visit. */
export function rememberLanguage(lang: Language): void {
  globalThis.localStorage?.setItem(STORE_KEY, lang)
}
