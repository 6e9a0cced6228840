// The console's one API client; the session store supplies the token.
import { makeApi } from '@shared/api/client'
import { savedLanguage } from '@shared/i18n'

let token: string | null = null

/** setToken keeps the access token in memory only (never in storage). */
export function setToken(t: string | null): void {
  token = t
}

let onExpired: () => void = () => undefined

/** whenExpired sets what to do when the API says the session is over (401). */
export function whenExpired(f: () => void): void {
  onExpired = f
}

/** api is the typed client every screen uses. */
export const api = makeApi({
  token: () => token,
  language: () => savedLanguage(),
})

// A 401 outside /v1/auth means the session ended (signed out elsewhere, a
// password reset, a disabled account): back to the sign-in screen.
api.use({
  onResponse({ request, response }) {
    if (response.status === 401 && token && !new URL(request.url).pathname.startsWith('/v1/auth/')) onExpired()
    return response
  },
})
