// The console (协执 · 执行线索工作台): the court's web screens, served at /.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/dist/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { makeI18n } from '@shared/i18n'
import { whenExpired } from './api'
import { useSession } from './stores/session'

const i18n = makeI18n()
document.documentElement.lang = i18n.global.locale.value

const app = createApp(App).use(createPinia()).use(i18n).use(router)
whenExpired(() => {
  useSession().expire()
  const here = router.currentRoute.value
  if (here.name !== 'login') void router.push({ name: 'login', query: { next: here.fullPath, expired: '1' } })
})
app.mount('#app')
