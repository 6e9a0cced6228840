// The console's screens. Every path here is also served by the Go router
// (api/web.go, consolePaths) so that a reload or a pasted link opens the
// screen; keep the two lists in step.
import { createRouter, createWebHistory } from 'vue-router'
import { useSession } from './stores/session'

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/', redirect: '/leads' },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
    { path: '/leads', name: 'queue', component: () => import('./views/QueueView.vue') },
    { path: '/leads/:id', name: 'lead', component: () => import('./views/LeadView.vue'), props: true },
    { path: '/:rest(.*)*', name: 'missing', component: () => import('./views/NotFoundView.vue'), meta: { public: true } },
  ],
})

router.beforeEach(async (to) => {
  const session = useSession()
  await session.restore()
  if (to.meta.public) {
    if (to.name === 'login' && session.signedIn) return { path: '/leads' }
    return true
  }
  if (!session.signedIn) {
    return { name: 'login', query: to.fullPath !== '/leads' ? { next: to.fullPath } : {} }
  }
  return true
})
