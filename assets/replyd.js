// The staff pages' one script, an enhancement only: every page works
// without it.  GOV.UK Frontend's components start here, from a file of
// this site, since the Content-Security-Policy forbids inline script.
// A browser that runs this module supports what GOV.UK Frontend needs,
// which the class below tells its styles and isSupported().
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// The duty board keeps itself up to date (board.js): only where there is one.
if (document.querySelector('[data-replyd-board]')) import('./board.js')
