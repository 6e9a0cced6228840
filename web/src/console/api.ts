// The console's one API client; the session store supplies the token.
import { makeApi } from '@shared/api/client'
import { savedLanguage } from '@shared/i18n'

let token: string | null = null

/** setToken keeps the access token in memory only (never in storage). */
export function setToken(t: string | null): void {
  token = t
}

/** api is the typed client every screen uses. */
export const api = makeApi({
  token: () => token,
  language: () => savedLanguage(),
})
