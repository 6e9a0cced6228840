// The signed-in user. The access token lives in memory only; the refresh
// token is in an HttpOnly cookie the page cannot read, scoped to /v1/auth.
// On page load the store trades the cookie for a new access token
// (restore), and it refreshes a minute before the access token expires.
import { defineStore } from 'pinia'
import { ref, computed } from 'vue'
import { CSRF_HEADER, type Me } from '@shared/api/client'
import { must, ApiError } from '@shared/problem'
import { api, setToken } from '../api'

const browser = { [CSRF_HEADER]: '1' } as const

export const useSession = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const mustChangePassword = ref(false)
  let timer: ReturnType<typeof setTimeout> | undefined
  let restoring: Promise<void> | null = null

  const signedIn = computed(() => me.value !== null)

  function schedule(expiresIn: number) {
    clearTimeout(timer)
    const ms = Math.max(10, expiresIn - 60) * 1000
    timer = setTimeout(() => void refresh().catch(() => clear()), ms)
  }

  async function adopt(t: { access_token: string; expires_in: number; must_change_password: boolean }) {
    setToken(t.access_token)
    mustChangePassword.value = t.must_change_password
    schedule(t.expires_in)
    const { data } = await must(api.GET('/v1/me'))
    me.value = data
  }

  function clear() {
    clearTimeout(timer)
    setToken(null)
    me.value = null
  }

  /** login signs in in browser mode: the refresh token goes into the cookie. */
  async function login(phone: string, password: string) {
    const { data } = await must(
      api.POST('/v1/auth/login', {
        headers: browser,
        body: { phone, password, device: navigator.userAgent.slice(0, 100) },
      }),
    )
    await adopt(data)
  }

  /** refresh trades the refresh cookie for a new access token. */
  async function refresh() {
    const { data } = await must(api.POST('/v1/auth/refresh', { headers: browser }))
    await adopt(data)
  }

  /**
   * restore signs the page in from the refresh cookie, once per page load;
   * without a valid cookie the user is simply signed out.
   */
  function restore(): Promise<void> {
    restoring ??= refresh().catch((e: unknown) => {
      clear()
      if (!(e instanceof ApiError)) throw e
    })
    return restoring
  }

  /** logout ends the session and clears the cookie. */
  async function logout() {
    try {
      await must(api.POST('/v1/auth/logout', { headers: browser }))
    } finally {
      clear()
      restoring = Promise.resolve()
    }
  }

  /** expire forgets the user after the API refused the token (the cookie may be dead too). */
  function expire() {
    clear()
    restoring = Promise.resolve()
  }

  return { me, mustChangePassword, signedIn, login, refresh, restore, logout, expire }
})
