// The conversation page's reply counter, an enhancement only: the form
// works without it.  As a reply is typed it says how long it is and, for
// a text, how many parts it goes in.  A text of GSM 7-bit characters
// holds 160 of them (153 a part when split; characters of the extension
// table count twice); one with any other character is sent as UCS-2,
// which holds 70 (67 a part), counted in UTF-16 code units.  A screen
// reader hears the count once typing pauses, not at every key.
const GSM = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM_EXT = '^{}\\[~]|€\f'
const MAX = 1600

// The length of text in the units a text is counted in, and its parts.
export function smsParts (text) {
  let septets = 0
  let gsm = true
  for (const ch of text) {
    if (GSM.includes(ch)) {
      septets += 1
    } else if (GSM_EXT.includes(ch)) {
      septets += 2
    } else {
      gsm = false
      break
    }
  }
  if (gsm) {
    return { encoding: 'gsm', units: septets, parts: septets <= 160 ? 1 : Math.ceil(septets / 153) }
  }
  const units = text.length // UTF-16 code units
  return { encoding: 'ucs2', units, parts: units <= 70 ? 1 : Math.ceil(units / 67) }
}

// What the counter says for text.
export function describe (text, sms) {
  const chars = Array.from(text).length
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many)
  if (chars > MAX) {
    return 'You have ' + plural(chars - MAX, 'character', 'characters') + ' too many'
  }
  let words = plural(chars, 'character', 'characters')
  if (sms && chars > 0) {
    const p = smsParts(text)
    words += ', sent as ' + plural(p.parts, 'text', 'texts')
    if (p.encoding === 'ucs2') {
      words += ' (a special character means 70 characters a text)'
    }
  }
  return words
}

function start (field) {
  const shown = document.getElementById(field.id + '-count')
  const live = document.getElementById(field.id + '-count-live')
  if (!shown || !live) {
    return
  }
  const sms = field.dataset.replydCount === 'sms'
  let timer = null
  const update = () => {
    const words = describe(field.value, sms)
    shown.textContent = words
    shown.classList.toggle('govuk-error-message', Array.from(field.value).length > MAX)
    clearTimeout(timer)
    timer = setTimeout(() => { live.textContent = words }, 1000)
  }
  field.addEventListener('input', update)
  shown.textContent = describe(field.value, sms)
}

for (const field of document.querySelectorAll('textarea[data-replyd-count]')) {
  start(field)
}
